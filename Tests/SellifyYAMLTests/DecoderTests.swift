import Foundation
import SellifyYAML
import Testing

func decode<T: Decodable>(_ type: T.Type, _ yaml: String, environment: [String: String] = [:]) throws -> T {
    try YAMLDecoder().decode(T.self, from: yaml, file: "config.yaml", environment: environment)
}

/// Remembers where it was written, through `decoder.yamlLocation`.
struct Located: Decodable {
    var value: String
    var location: SourceLocation?

    init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
        location = decoder.yamlLocation
    }
}

/// A scalar or a mapping, chosen by looking at `decoder.yamlNode` instead of probing with `try?`.
enum Secret: Decodable, Equatable {
    case literal(String)
    case file(String)

    enum CodingKeys: String, CodingKey {
        case file
    }

    init(from decoder: any Decoder) throws {
        if case .mapping? = decoder.yamlNode?.kind {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self = .file(try c.decode(String.self, forKey: .file))
        } else {
            self = .literal(try decoder.singleValueContainer().decode(String.self))
        }
    }
}

/// Throws a `Diagnostic` of its own at its location.
struct Port: Decodable {
    var value: Int

    init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Int.self)
        if value == 0 {
            throw Diagnostic("port 0 is reserved", at: decoder.yamlLocation, hint: "pick 1...65535")
        }
    }
}

@Suite("Decoder")
struct DecoderTests {
    @Test func fullConfig() throws {
        let config = try decode(
            Config.self,
            """
            server:
              host: "example.org"
              port: '8081'
              rate_limit: 5
              tls: true
            auth:
              enabled: false
              api_keys:
                - name: ci
                  sha256: abc123
                  scopes: [read, write]
                - {name: web, sha256: def456}
            quotas:
              limits:
                messages_per_day: 1000
                per_channel:
                  email: 10
                  sms: 2
            tags: [one, 'two', "3", true]
            env:
              LANG: C.UTF-8
              EMPTY_STRING: ""
            timeout: 2.5e1
            motd: "null"
            """)
        #expect(
            config.server
                == {
                    var s = ServerConfig()
                    s.host = "example.org"
                    s.port = 8081
                    s.rateLimit = 5
                    s.tls = true
                    return s
                }())
        #expect(config.auth.apiKeys.map(\.name) == ["ci", "web"])
        #expect(config.auth.apiKeys[0].scopes == ["read", "write"])
        #expect(config.auth.apiKeys[1].scopes == [])
        #expect(config.quotas.limits.messagesPerDay?.value == 1000)
        #expect(
            config.quotas.limits.perChannel == [
                "email": PositiveInt(yamlScalar: "10")!, "sms": PositiveInt(yamlScalar: "2")!,
            ])
        #expect(config.tags == ["one", "two", "3", "true"])
        #expect(config.env == ["LANG": "C.UTF-8", "EMPTY_STRING": ""])
        #expect(config.timeout == 25)
        #expect(config.motd == "null")
    }

    @Test func defaultsForAbsentAndNullSections() throws {
        let config = try decode(Config.self, "server:\nauth: ~\nquotas: null\nmotd:\ntimeout: NULL\n")
        #expect(config == Config())
    }

    @Test(
        arguments: [
            ("motd: ~", nil), ("motd: null", nil), ("motd: Null", nil), ("motd: NULL", nil), ("motd:", nil),
            ("motd: \"\"", ""), ("motd: ''", ""), ("motd: 'null'", "null"), ("motd: !!str null", "null"),
            ("motd: !!str", ""), ("motd: nil", "nil"), ("motd: none", "none"),
        ] as [(String, String?)])
    func nullHandling(_ yaml: String, _ expected: String?) throws {
        #expect(try decode(Config.self, yaml).motd == expected)
    }

    @Test func optionalsInCollections() throws {
        #expect(try decode([String?].self, "[a, null, ~, '', \"~\"]") == ["a", nil, nil, "", "~"])
        #expect(try decode([String: Int?].self, "a: 1\nb:\n") == ["a": 1, "b": nil])
        #expect(try decode(Int?.self, "") == nil)
        #expect(try decode(Int?.self, "~") == nil)
        #expect(try decode(Int?.self, "5") == 5)
    }

    @Test func numbers() throws {
        struct Numbers: Decodable, Equatable {
            var i: Int
            var neg: Int64
            var u: UInt16
            var d: Double
            var dot: Double
            var exp: Double
            var f: Float
        }
        let n = try decode(
            Numbers.self, "i: 007\nneg: -9223372036854775808\nu: 65535\nd: -2.5\ndot: .5\nexp: 1E-3\nf: \"1.25\"\n")
        #expect(n == Numbers(i: 7, neg: .min, u: 65535, d: -2.5, dot: 0.5, exp: 0.001, f: 1.25))
    }

    @Test func nestedCollections() throws {
        let value = try decode([String: [[Int]]].self, "a: [[1, 2], [3]]\nb: []\n")
        #expect(value == ["a": [[1, 2], [3]], "b": []])
        let sets = try decode(Set<String>.self, "[x, y, x]")
        #expect(sets == ["x", "y"])
    }

    @Test func anchorsAliasesAndMergeKeysDecode() throws {
        let servers = try decode(
            [String: ServerConfig].self,
            """
            base: &base
              host: base.example
              port: 1
            extra: &extra
              port: 9
              tls: true
            main:
              <<: [*base, *extra]
              rate_limit: 3
            override:
              <<: *base
              port: 2
            copy: *base
            """)
        #expect(servers["main"]?.host == "base.example")
        #expect(servers["main"]?.port == 1)
        #expect(servers["main"]?.tls == true)
        #expect(servers["main"]?.rateLimit == 3)
        #expect(servers["override"]?.port == 2)
        #expect(servers["override"]?.host == "base.example")
        #expect(servers["copy"] == servers["base"])
    }

    @Test func errorsInsideMergedMappingsPointAtTheAnchor() {
        #expect(
            diagnostics(
                [String: ServerConfig].self,
                """
                base: &base
                  port: x
                a:
                  <<: *base
                """) == [
                    #"config.yaml:2:9: error: base.port: expected an integer, got "x""#,
                    #"config.yaml:2:9: error: a.port: expected an integer, got "x""#,
                ])
    }

    @Test func environmentSubstitutionWhileDecoding() throws {
        let config = try decode(
            Config.self,
            """
            server:
              host: ${DB_HOST:-localhost}
              port: ${PORT}
              rate_limit: ${RATE:-10}
            motd: "costs $${PRICE} in ${REGION}"
            """, environment: ["PORT": "7000", "REGION": "eu"])
        #expect(config.server.host == "localhost")
        #expect(config.server.port == 7000)
        #expect(config.server.rateLimit == 10)
        #expect(config.motd == "costs ${PRICE} in eu")
    }

    @Test func yamlLocationOfCustomTypes() throws {
        let values = try decode([String: Located].self, "first: a\nsecond:\n  \"b\"\n")
        #expect(values["first"]?.location == SourceLocation(file: "config.yaml", line: 1, column: 8))
        #expect(values["second"]?.location == SourceLocation(file: "config.yaml", line: 3, column: 3))
        // Other decoders have no YAML location.
        let json = try JSONDecoder().decode([Located].self, from: Data(#"["x"]"#.utf8))
        #expect(json[0].location == nil)
    }

    @Test func shapeChosenFromTheNode() throws {
        let secrets = try decode([Secret].self, "- plain\n- file: /run/secret\n")
        #expect(secrets == [.literal("plain"), .file("/run/secret")])
    }

    @Test func typesCanThrowDiagnostics() {
        #expect(
            diagnostics([String: Port].self, "a: 0\nb: 80\n") == [
                "config.yaml:1:4: error: port 0 is reserved (pick 1...65535)"
            ])
    }

    @Test func recoverablePlaceholderKeepsTheParentGoing() {
        // Webhook is YAMLRecoverable: both webhook errors and the later `retries` error are reported.
        #expect(
            diagnostics(
                Hooks.self,
                """
                primary:
                  url: http://insecure
                  secret: s
                fallback: 5
                retries: many
                """) == [
                    "config.yaml:2:8: error: primary.url: must start with 'https://'",
                    "config.yaml:4:11: error: fallback: expected a mapping, got a scalar",
                    #"config.yaml:5:10: error: retries: expected an integer, got "many""#,
                ])
    }

    @Test func errorsAfterAPlaceholderValueAreNotReportedTwice() {
        // The missing secret yields "" and url "" fails the https check: that follow-up error is dropped.
        #expect(
            diagnostics(
                Hooks.self,
                """
                primary: {}
                fallback: {url: "https://ok", secret: s}
                retries: 1
                """) == [
                    "config.yaml:1:10: error: primary: missing required key 'url'",
                    "config.yaml:1:10: error: primary: missing required key 'secret'",
                ])
    }

    @Test func everyBadArrayElementIsReported() {
        #expect(
            diagnostics(
                [APIKey].self,
                """
                - name: a
                - sha256: b
                - name: c
                  sha256: d
                  extra: 1
                - [x]
                """)
                == [
                    "config.yaml:2:3: error: [1]: missing required key 'name'",
                    "config.yaml:5:3: error: unknown key 'extra' in '[2]' (expected one of 'name', 'sha256', 'scopes')",
                    "config.yaml:6:3: error: [3]: expected a mapping, got a sequence",
                    "config.yaml:1:3: error: [0]: missing required key 'sha256'",
                ].sorted(by: { lineColumn($0).lexicographicallyPrecedes(lineColumn($1)) }))
    }

    @Test func rootSequenceInAnEmptyFile() {
        #expect(diagnostics([String].self, "") == ["config.yaml:1:1: error: the file is empty (expected a sequence)"])
        #expect(diagnostics(String.self, "") == ["config.yaml:1:1: error: the file is empty (expected a string)"])
    }

    @Test func userInfoReachesTypes() throws {
        struct ReadsUserInfo: Decodable {
            var flag: Bool
            init(from decoder: any Decoder) throws {
                flag = decoder.userInfo[CodingUserInfoKey(rawValue: "flag")!] as? Bool ?? false
                _ = try decoder.singleValueContainer().decode(String.self)
            }
        }
        var decoder = YAMLDecoder()
        decoder.userInfo[CodingUserInfoKey(rawValue: "flag")!] = true
        let value = try decoder.decode(ReadsUserInfo.self, from: "x", file: "c.yaml", environment: [:])
        #expect(value.flag)
    }

    @Test func rawSubtreesAsYAMLNode() throws {
        struct Rule: Decodable {
            var name: String
            var options: YAMLNode?
        }
        let rule = try decode(Rule.self, "name: r\noptions:\n  anything: [1, 2]\n  goes: ${X:-here}\n")
        #expect(rule.options?["goes"]?.scalar == "here")
        #expect(rule.options?["anything"]?[1]?.location == SourceLocation(file: "config.yaml", line: 3, column: 17))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(YAMLNode.self, from: Data("1".utf8))
        }
    }

    @Test func codingPathPrefixForSubtrees() throws {
        let root = try #require(
            try YAMLParser.parse(
                """
                exporters:
                  - type: statsd
                    hots: x
                    port: abc
                """, file: "config.yaml", environment: [:]))
        let entry = try #require(root["exporters"]?[0])
        do {
            _ = try YAMLDecoder().decode(
                ServerConfig.self, from: entry, file: "config.yaml", codingPathPrefix: "metrics.exporters[0]")
            Issue.record("expected errors")
        } catch {
            #expect(
                error.diagnostics.map(\.description) == [
                    "config.yaml:2:5: error: unknown key 'type' in 'metrics.exporters[0]' (expected one of 'host', 'port', 'rate_limit', 'tls')",
                    "config.yaml:3:5: error: unknown key 'hots' in 'metrics.exporters[0]' (did you mean 'host'?)",
                    #"config.yaml:4:11: error: metrics.exporters[0].port: expected an integer, got "abc""#,
                ])
        }
    }

    @Test func allowsUnknownKeysOptOut() throws {
        struct Loose: Decodable, YAMLAllowsUnknownKeys {
            var a: Int
        }
        #expect(try decode(Loose.self, "a: 1\nb: 2\n").a == 1)
    }

    @Test func scalarValueAlsoWorksWithJSONDecoder() throws {
        let values = try JSONDecoder().decode([PositiveInt].self, from: Data("[\"3\"]".utf8))
        #expect(values == [PositiveInt(yamlScalar: "3")!])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PositiveInt].self, from: Data("[\"-3\"]".utf8))
        }
    }

    @Test func decodesAFixtureFile() throws {
        struct Servers: Decodable {
            var servers: [String: ServerConfig]
            enum CodingKeys: String, CodingKey { case servers, defaults }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                _ = c.contains(.defaults)
                servers = try c.decode([String: ServerConfig].self, forKey: .servers)
            }
        }
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/yaml/sample.yaml").path
        let value = try YAMLDecoder().decode(
            Servers.self, contentsOf: path, displayName: "sample.yaml", environment: [:])
        #expect(value.servers["public"]?.host == "0.0.0.0")
        #expect(value.servers["public"]?.rateLimit == 50)
        #expect(value.servers["admin"]?.host == "127.0.0.1")
        #expect(value.servers["admin"]?.port == 9090)
        #expect(value.servers["admin"]?.tls == true)
        do {
            _ = try YAMLDecoder().decode(
                Servers.self, contentsOf: path, displayName: "sample.yaml", environment: ["ADMIN_PORT": "x"])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == #"sample.yaml:13:11: error: servers.admin.port: expected an integer, got "x""#)
        }
    }
}

private func lineColumn(_ message: String) -> [Int] {
    message.split(separator: ":").dropFirst().prefix(2).compactMap { Int($0) }
}
