import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import SellifyTestSupport
import SellifyYAML
import Testing

/// Hostile YAML in the three file kinds (config, catalog, rule tests): deep
/// nesting, alias bombs, odd encodings and random bytes get a diagnostic with a
/// position, never a crash (60,000 levels was a SIGSEGV, in a running server too).
struct HostileYAMLTests {
    static func blockNesting(_ depth: Int) -> String {
        var text = ""
        for level in 0..<depth { text += String(repeating: " ", count: level) + "k\(level):\n" }
        return text + String(repeating: " ", count: depth) + "leaf: 1\n"
    }

    static func flowNesting(_ depth: Int) -> String {
        "x: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
    }

    static func sequenceNesting(_ depth: Int) -> String {
        (0..<depth).map { String(repeating: " ", count: $0 * 2) + "-\n" }.joined()
            + String(repeating: " ", count: depth * 2) + "x\n"
    }

    @Test(arguments: [65, 1000, 60_000, 100_000])
    func deepNestingIsAnErrorWithAPosition(_ depth: Int) throws {
        for text in [
            Self.flowNesting(depth), Self.blockNesting(min(depth, 5000)), Self.sequenceNesting(min(depth, 3000)),
        ] {
            let error = #expect(throws: DiagnosticList.self) {
                try YAMLParser.parse(text, file: "catalog.yaml", environment: [:])
            }
            let first = try #require(error?.diagnostics.first)
            #expect(first.message == "collections nested deeper than \(YAMLParser.maxDepth) levels")
            #expect(first.location?.file == "catalog.yaml")
            #expect((first.location?.line ?? 0) >= 1)
        }
    }

    @Test func nestingUpToTheLimitIsFine() throws {
        let node = try YAMLParser.parse(Self.flowNesting(YAMLParser.maxDepth - 1), file: "t.yaml", environment: [:])
        #expect(node != nil)
    }

    @Test func aliasBombsAreRefused() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            text +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        let error = #expect(throws: DiagnosticList.self) {
            try YAMLParser.parse(text, file: "config.yaml", environment: [:])
        }
        #expect(error?.diagnostics.first?.message.hasPrefix("aliases expand this document to more than") == true)
        #expect(error?.diagnostics.first?.location?.line == 7 || (error?.diagnostics.first?.location?.line ?? 0) > 1)
    }

    @Test func aliasesThatNestTooDeepAreRefused() throws {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let text =
            "a: &a \(deep)\nb: " + String(repeating: "[", count: 40) + "*a" + String(repeating: "]", count: 40) + "\n"
        let error = #expect(throws: DiagnosticList.self) {
            try YAMLParser.parse(text, file: "t.yaml", environment: [:])
        }
        #expect(error?.diagnostics.first?.message.contains("deeper than \(YAMLParser.maxDepth) levels") == true)
    }

    @Test func wideFilesAreFine() throws {
        let text = (0..<50_000).map { "key\($0): value\($0)\n" }.joined()
        guard case .mapping(let pairs) = try #require(try YAMLParser.parse(text, file: "t.yaml", environment: [:])).kind
        else {
            Issue.record("not a mapping")
            return
        }
        #expect(pairs.count == 50_000)
    }

    @Test(
        arguments: [
            [0xFF, 0xFE] + Array("a: 1\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),  // UTF-16 LE with BOM
            [0xFE, 0xFF] + Array("a: 1\n".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),  // UTF-16 BE with BOM
            Array("a: \u{FEFF}1\n".utf8), [0x61, 0x3A, 0x20, 0xC3, 0x28, 0x0A], [0x61, 0x3A, 0x20, 0x00, 0x0A],
            [0xEF, 0xBB, 0xBF], [0xF0, 0x9F, 0x98], Array("a: \"\\uD800\"\n".utf8),
            Array("%YAML 9.9\n---\na: 1\n".utf8),
            Array("a: !!binary AAAA\n".utf8), Array("? [a, b]\n: c\n".utf8), Array("a: *nowhere\n".utf8),
        ] as [[UInt8]])
    func oddEncodingsParseOrFailClearly(_ bytes: [UInt8]) {
        do {
            _ = try YAMLParser.parse(bytes: bytes, file: "t.yaml", environment: [:])
        } catch {
            #expect(error.diagnostics.allSatisfy { $0.location?.file == "t.yaml" || $0.location == nil })
            #expect(!error.diagnostics.isEmpty)
        }
    }

    /// Random documents from YAML's own tokens, fed to the parser and to the
    /// three decoders: each returns or reports, none crashes or hangs.
    @Test func randomDocumentsNeverCrashTheDecoders() throws {
        let tokens = [
            "[", "]", "{", "}", ":", ": ", "- ", ",", "&a ", "*a", "&b ", "*b", "<<: *a\n", "\n", "  ", "    ", "'",
            "\"", "!!str ",
            "!!map ", "? ", "---\n", "...\n", "%TAG ! x\n", "#c\n", "|\n", ">-\n", "\\", "${X}", "${X:-d}", "key",
            "name", "price",
            "products", "id", "cases", "server", "port", "42", "-1", "1e999", "ñ", "😀", "\u{202E}", "\t", "~", "null",
            "true",
        ]
        var rng = SeededGenerator(state: 0x5E11F1)
        let catalog = YAMLDecoder()
        for _ in 0..<2000 {
            let count = Int(rng.next() % 60) + 1
            let text = (0..<count).map { _ in tokens[Int(rng.next() % UInt64(tokens.count))] }.joined()
            let node: YAMLNode?
            do { node = try YAMLParser.parse(text, file: "catalog.yaml", environment: [:]) } catch { continue }
            _ = try? catalog.decode(Catalog.self, from: node, file: "catalog.yaml")
            _ = try? LoadedConfiguration.decode(
                text, path: "config.yaml", directory: "/srv", environment: [:], plugins: .builtin)
        }
    }

    @Test(arguments: ["config", "catalog", "rule test"])
    func aDeepFileOfEachKindIsReportedByTheCommandThatReadsIt(_ kind: String) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let bomb = Self.flowNesting(60_000)
        let file: String
        switch kind {
        case "config": file = "config.yaml"
        case "catalog": file = "catalog.yaml"
        default: file = "rules/tests/deep.yaml"
        }
        let path = directory.url.appendingPathComponent(file).path
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try (existing + "\n" + bomb).write(toFile: path, atomically: true, encoding: .utf8)
        let command = kind == "rule test" ? ["test"] : ["check"]
        let result = try runSellify(command + ["--config", "config.yaml"], in: directory.url)
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(file):"), "\(result.stderr.prefix(500))")
        #expect(
            result.stderr.contains("collections nested deeper than \(YAMLParser.maxDepth) levels"),
            "\(result.stderr.prefix(500))")
    }
}
