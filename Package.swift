// swift-tools-version:6.2
import PackageDescription

// One set of compiler settings for every Swift target: Swift 6 language mode
// (strict concurrency) plus the upcoming features the server ecosystem turns on.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sellify",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sellify", targets: ["sellify"]),
        .library(name: "SellifyCore", targets: ["SellifyCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The HTTP server. Traits off: no swift-configuration, FoundationEssentials only.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The generative providers' HTTP client (plugins/ai-openai).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // The PostgreSQL store's driver (plugins/store-postgres).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // System libraries, linked through pkg-config; nothing is vendored.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // C side of the Lua sandbox: the capped allocator, the budget hook and
        // step-budgeted pattern matching — everything that may raise a Lua error
        // (a longjmp) lives here so no error ever unwinds through Swift frames.
        .target(
            name: "CLuaSandbox",
            dependencies: ["CLua"]
        ),
        .target(
            name: "SellifyYAML",
            dependencies: ["CYAML"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SellifyLua",
            dependencies: ["CLua", "CLuaSandbox"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SellifyCore",
            dependencies: [
                "SellifyYAML", "SellifyLua",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // The embedded store: SQLite through GRDB (system libsqlite3).
        .target(
            name: "SellifyStore",
            dependencies: [
                "SellifyCore", "SellifyPluginKit",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // The metric catalogue, the pipeline's metrics hook and the Prometheus registry.
        .target(
            name: "SellifyMetrics",
            dependencies: [
                "SellifyCore", "SellifyLua",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        // What a plugin of each kind implements (exporter, alert sink, store), and
        // how the host builds plugin instances from the one list.
        .target(
            name: "SellifyPluginKit",
            dependencies: [
                "SellifyCore", "SellifyMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The HTTP API: Hummingbird routes, auth, limits, middleware, exporters' lifecycle.
        .target(
            name: "SellifyServer",
            dependencies: [
                "SellifyCore", "SellifyStore", "SellifyMetrics", "SellifyPlugins", "SellifyPluginKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // Plugins: one folder each under plugins/, registered in
        // Sources/SellifyPlugins/BuiltinPlugins.swift (see plugins/README.md).
        .target(
            name: "SellifyExporterHTTP",
            dependencies: [
                "SellifyCore", "SellifyMetrics", "SellifyPluginKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ], path: "plugins/exporter-http", swiftSettings: swiftSettings),
        .target(
            name: "SellifyExporterTextfile", dependencies: ["SellifyCore", "SellifyMetrics", "SellifyPluginKit"],
            path: "plugins/exporter-textfile", swiftSettings: swiftSettings),
        .target(
            name: "SellifyExporterStdout", dependencies: ["SellifyCore", "SellifyMetrics", "SellifyPluginKit"],
            path: "plugins/exporter-stdout", swiftSettings: swiftSettings),
        .target(
            name: "SellifyAlertLog", dependencies: ["SellifyCore", "SellifyPluginKit"], path: "plugins/alert-log",
            swiftSettings: swiftSettings),
        .target(
            name: "SellifyAlertWebhook", dependencies: ["SellifyCore", "SellifyPluginKit"],
            path: "plugins/alert-webhook",
            swiftSettings: swiftSettings),
        .target(
            name: "SellifyAITemplate", dependencies: ["SellifyCore"], path: "plugins/ai-template",
            swiftSettings: swiftSettings),
        // What the HTTP generative providers share: one exchange, its failures.
        .target(
            name: "SellifyAIHTTP",
            dependencies: [
                "SellifyCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ], swiftSettings: swiftSettings),
        .target(
            name: "SellifyAIOpenAI",
            dependencies: [
                "SellifyCore", "SellifyAIHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ], path: "plugins/ai-openai", swiftSettings: swiftSettings),
        .target(
            name: "SellifyAIAnthropic",
            dependencies: [
                "SellifyCore", "SellifyAIHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ], path: "plugins/ai-anthropic", swiftSettings: swiftSettings),

        // The shared store: PostgreSQL through PostgresNIO, for several instances.
        .target(
            name: "SellifyStorePostgres",
            dependencies: [
                "SellifyCore", "SellifyPluginKit", "SellifyStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ], path: "plugins/store-postgres", swiftSettings: swiftSettings),

        // The one list of plugins this build ships.
        .target(
            name: "SellifyPlugins",
            dependencies: [
                "SellifyCore", "SellifyStore", "SellifyStorePostgres",
                "SellifyExporterHTTP", "SellifyExporterTextfile", "SellifyExporterStdout",
                "SellifyAlertLog", "SellifyAlertWebhook", "SellifyAITemplate", "SellifyAIOpenAI",
                "SellifyAIAnthropic",
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "sellify",
            dependencies: [
                "SellifyCore", "SellifyYAML", "SellifyLua", "SellifyPlugins", "SellifyPluginKit", "SellifyStore",
                "SellifyStorePostgres", "SellifyMetrics", "SellifyExporterTextfile", "SellifyServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks (release build; `make bench`). Not part of `make test`.
        .executableTarget(
            name: "sellify-bench",
            dependencies: ["SellifyCore", "SellifyLua", "SellifyYAML"],
            path: "bench/swift",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "sellify-bench-pipeline",
            dependencies: ["SellifyCore", "SellifyPlugins", "SellifyStore", "SellifyMetrics"],
            path: "bench/pipeline",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "sellify-bench-validator",
            dependencies: ["SellifyCore", "SellifyPlugins"],
            path: "bench/validator",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "sellify-bench-audit",
            dependencies: ["SellifyCore", "SellifyStore"],
            path: "bench/audit",
            swiftSettings: swiftSettings
        ),

        // One test-only plugin of each kind, and `sellify check|serve` with them
        // registered (the plugin registry's tests run it as a process).
        .target(
            name: "SellifyTestPlugins",
            dependencies: [
                "SellifyCore", "SellifyMetrics", "SellifyPluginKit", "SellifyPlugins", "SellifyStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SellifyTestPlugins", swiftSettings: swiftSettings),
        .executableTarget(
            name: "sellify-test-plugins",
            dependencies: ["SellifyTestPlugins", "SellifyServer", "SellifyCore", "SellifyYAML"],
            path: "Tests/SellifyTestPluginsCommand", swiftSettings: swiftSettings),

        // Helpers shared by the test targets (a seeded generator for fuzz and property tests).
        .target(
            name: "SellifyTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ], path: "Tests/SellifyTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "SellifyYAMLTests",
            dependencies: ["SellifyYAML"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SellifyLuaTests",
            dependencies: ["SellifyLua", "SellifyTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SellifyStoreTests",
            dependencies: [
                "SellifyStore", "SellifyStorePostgres", "SellifyCore", "SellifyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SellifyServerTests",
            dependencies: [
                "SellifyServer", "SellifyCore", "SellifyStore", "SellifyMetrics", "SellifyPlugins", "SellifyPluginKit",
                "SellifyYAML", "SellifyAlertWebhook", "SellifyTestSupport", "SellifyTestPlugins",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SellifyAITests",
            dependencies: [
                "SellifyCore", "SellifyYAML", "SellifyAIOpenAI", "SellifyAIAnthropic", "SellifyPlugins",
                "SellifyTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SellifyCoreTests",
            dependencies: [
                "SellifyCore", "SellifyYAML", "SellifyLua", "SellifyPlugins", "SellifyStore", "SellifyMetrics",
                "SellifyExporterHTTP", "SellifyExporterTextfile", "SellifyExporterStdout", "SellifyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
