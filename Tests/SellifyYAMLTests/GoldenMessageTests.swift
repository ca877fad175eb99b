import SellifyYAML
import Testing

/// One YAML text and the exact messages decoding it as `Config` must produce.
struct GoldenCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    var expected: [String]
    var testDescription: String { name }

    init(_ name: String, _ yaml: String, _ expected: String...) {
        self.name = name
        self.yaml = yaml
        self.expected = expected
    }
}

let goldenEnvironment = ["SELLIFY_ENV": "prod", "EMPTY": ""]

func diagnostics<T: Decodable>(
    _ type: T.Type, _ yaml: String, environment: [String: String] = goldenEnvironment
) -> [String]? {
    do {
        _ = try YAMLDecoder().decode(T.self, from: yaml, file: "config.yaml", environment: environment)
        return nil
    } catch {
        return error.diagnostics.map(\.description)
    }
}

@Suite("Golden messages")
struct GoldenMessageTests {
    static let cases: [GoldenCase] = [
        GoldenCase(
            "type error: int",
            """
            server:
              host: example.org
              port: abc
            """,
            #"config.yaml:3:9: error: server.port: expected an integer, got "abc""#),
        GoldenCase(
            "type error: int out of range",
            """
            server:
              port: 99999999999999999999
            """,
            #"config.yaml:2:9: error: server.port: expected an integer, got "99999999999999999999" (out of range)"#),
        GoldenCase(
            "type error: leading plus is not an int", "server:\n  port: +80\n",
            #"config.yaml:2:9: error: server.port: expected an integer, got "+80""#),
        GoldenCase(
            "type error: number", "timeout: .inf\n",
            #"config.yaml:1:10: error: timeout: expected a number, got ".inf""#),
        GoldenCase(
            "type error: string got a mapping", "server:\n  host:\n    name: a\n",
            "config.yaml:3:5: error: server.host: expected a string, got a mapping"),
        GoldenCase(
            "unknown key with did-you-mean",
            """
            server:
              host: a
              rate_limt: 5
            """,
            "config.yaml:3:3: error: unknown key 'rate_limt' in 'server' (did you mean 'rate_limit'?)"),
        GoldenCase(
            "unknown top-level key with did-you-mean", "sever:\n  host: a\n",
            "config.yaml:1:1: error: unknown key 'sever' at the top level (did you mean 'server'?)"),
        GoldenCase(
            "unknown nested key with did-you-mean",
            """
            quotas:
              limits:
                messages_per_dy: 5
            """,
            "config.yaml:3:5: error: unknown key 'messages_per_dy' in 'quotas.limits' (did you mean 'messages_per_day'?)"
        ),
        GoldenCase(
            "unknown key without a close match lists the keys", "quotas:\n  limits:\n    weekly: 5\n",
            "config.yaml:3:5: error: unknown key 'weekly' in 'quotas.limits' (expected one of 'messages_per_day', 'per_channel')"
        ),
        GoldenCase(
            "unknown key inside a sequence item",
            """
            auth:
              api_keys:
                - name: ci
                  sha265: abc
                  sha256: abc
            """,
            "config.yaml:4:7: error: unknown key 'sha265' in 'auth.api_keys[0]' (expected one of 'name', 'sha256', 'scopes')"
        ),
        GoldenCase(
            "missing required key",
            """
            auth:
              api_keys:
                - name: ci
            """,
            "config.yaml:3:7: error: auth.api_keys[0]: missing required key 'sha256'"),
        GoldenCase(
            "duplicate key",
            """
            server:
              host: a
            server:
              host: b
            """,
            "config.yaml:3:1: error: duplicate key 'server' (first defined at line 1)"),
        GoldenCase(
            "duplicate nested key", "server:\n  port: 1\n  host: a\n  port: 2\n",
            "config.yaml:4:3: error: duplicate key 'port' (first defined at line 2)"),
        GoldenCase(
            "malformed YAML",
            """
            server:
              host: a: b
            """,
            "config.yaml:2:10: error: mapping values are not allowed in this context"),
        GoldenCase(
            "malformed YAML with context", "server: [a, b\n",
            "config.yaml:2:1: error: did not find expected ',' or ']' (while parsing a flow sequence at line 1)"),
        GoldenCase(
            "malformed YAML: bad indentation", "server:\n  host: a\n port: 1\n",
            "config.yaml:3:2: error: did not find expected key (while parsing a block mapping at line 1)"),
        GoldenCase(
            "undefined env var",
            """
            server:
              host: ${SELLIFY_HOST}
            """,
            "config.yaml:2:9: error: environment variable 'SELLIFY_HOST' is not set (write ${SELLIFY_HOST:-default} to give a default)"
        ),
        GoldenCase(
            "undefined env var inside a quoted scalar", "server:\n  host: \"db-${SELLIFY_ENV}.${SELLIFY_ZONE}\"\n",
            "config.yaml:2:28: error: environment variable 'SELLIFY_ZONE' is not set (write ${SELLIFY_ZONE:-default} to give a default)"
        ),
        GoldenCase(
            "unterminated env reference", "motd: ${SELLIFY_ENV\n",
            "config.yaml:1:7: error: unterminated '${' (missing '}') (write $${ for a literal ${)"),
        GoldenCase(
            "alias to a missing anchor",
            """
            server:
              host: *nope
            """,
            "config.yaml:2:9: error: alias '*nope' refers to an undefined anchor 'nope'"),
        GoldenCase("empty file", "", "config.yaml:1:1: error: the file is empty (expected a mapping)"),
        GoldenCase(
            "file with only comments", "# nothing here\n\n",
            "config.yaml:1:1: error: the file is empty (expected a mapping)"),
        GoldenCase("empty document", "---\n", "config.yaml:1:1: error: the file is empty (expected a mapping)"),
        GoldenCase("null document", "~\n", "config.yaml:1:1: error: expected a mapping, got null"),
        GoldenCase(
            "yes as bool", "auth:\n  enabled: yes\n",
            #"config.yaml:2:12: error: auth.enabled: expected a boolean, got "yes" (write true or false)"#),
        GoldenCase(
            "scalar where a sequence is expected", "auth:\n  api_keys: abc\n",
            "config.yaml:2:13: error: auth.api_keys: expected a sequence, got a scalar"),
        GoldenCase(
            "mapping where a sequence is expected", "tags:\n  a: 1\n",
            "config.yaml:2:3: error: tags: expected a sequence, got a mapping"),
        GoldenCase(
            "sequence where a mapping is expected", "server:\n  - a\n",
            "config.yaml:2:3: error: server: expected a mapping, got a sequence"),
        GoldenCase(
            "YAMLScalarValue rejection",
            """
            quotas:
              limits:
                messages_per_day: abc
            """,
            #"config.yaml:3:23: error: quotas.limits.messages_per_day: expected a positive integer, got "abc""#),
        GoldenCase(
            "YAMLScalarValue rejection in a dictionary", "quotas:\n  limits:\n    per_channel:\n      email: -3\n",
            #"config.yaml:4:14: error: quotas.limits.per_channel.email: expected a positive integer, got "-3""#),
        GoldenCase(
            "null for a required string in a dictionary", "env:\n  A:\n",
            "config.yaml:2:5: error: env.A: expected a string, got null"),
        GoldenCase(
            "second document", "server:\n  host: a\n---\nserver: {}\n",
            "config.yaml:3:1: error: a file may contain only one YAML document (remove the second '---')"),
        GoldenCase(
            "complex key", "? [a, b]\n: 1\n",
            "config.yaml:1:3: error: mapping keys must be scalars, got a sequence"),
        GoldenCase(
            "merge of a scalar", "server:\n  <<: abc\n",
            "config.yaml:2:7: error: merge key '<<' expects a mapping or a sequence of mappings, got a scalar"),
        GoldenCase(
            "BOM does not shift columns", "\u{FEFF}server:\n  port: x\n",
            #"config.yaml:2:9: error: server.port: expected an integer, got "x""#),
        GoldenCase(
            "columns count characters, not bytes", "server:\n  host: \"ünï-${SELLIFY_NOPE}\"\n",
            "config.yaml:2:14: error: environment variable 'SELLIFY_NOPE' is not set (write ${SELLIFY_NOPE:-default} to give a default)"
        ),
        GoldenCase(
            "several errors in one file, sorted",
            """
            timeout: fast
            server:
              port: abc
              rate_limt: 5
            auth:
              enabled: yes
              api_keys:
                - name: ci
                - name: web
                  sha256: 12
                  scopes: x
            quotas:
              limits:
                messages_per_day: 0
                per_channel:
                  email: -1
                  sms: 5
                  push: none
            tags: [a, [b]]
            """,
            #"config.yaml:1:10: error: timeout: expected a number, got "fast""#,
            #"config.yaml:3:9: error: server.port: expected an integer, got "abc""#,
            "config.yaml:4:3: error: unknown key 'rate_limt' in 'server' (did you mean 'rate_limit'?)",
            #"config.yaml:6:12: error: auth.enabled: expected a boolean, got "yes" (write true or false)"#,
            "config.yaml:8:7: error: auth.api_keys[0]: missing required key 'sha256'",
            "config.yaml:11:15: error: auth.api_keys[1].scopes: expected a sequence, got a scalar",
            #"config.yaml:14:23: error: quotas.limits.messages_per_day: expected a positive integer, got "0""#,
            #"config.yaml:16:14: error: quotas.limits.per_channel.email: expected a positive integer, got "-1""#,
            #"config.yaml:18:13: error: quotas.limits.per_channel.push: expected a positive integer, got "none""#,
            "config.yaml:19:11: error: tags[1]: expected a string, got a sequence"),
        GoldenCase(
            "several parse errors in one file",
            """
            server:
              host: ${A}
              port: ${B}
            motd: *missing
            tags:
              - ${C:-ok}
              - $${D}
            """,
            "config.yaml:2:9: error: environment variable 'A' is not set (write ${A:-default} to give a default)",
            "config.yaml:3:9: error: environment variable 'B' is not set (write ${B:-default} to give a default)",
            "config.yaml:4:7: error: alias '*missing' refers to an undefined anchor 'missing'"),
    ]

    @Test(arguments: cases)
    func golden(_ c: GoldenCase) {
        #expect(diagnostics(Config.self, c.yaml) == c.expected)
    }

    @Test func missingRequiredTopLevelKeyPointsAtTheMisspelling() {
        #expect(
            diagnostics(StrictConfig.self, "sever:\n  host: a\nname: x\n") == [
                "config.yaml:1:1: error: missing required key 'server' (is 'sever' at line 1 a misspelling?)"
            ])
    }

    @Test func missingRequiredScalarKeepsDecoding() {
        // `name` is a primitive: the miss is recorded and decoding goes on, so the unknown key is found too.
        #expect(
            diagnostics(StrictConfig.self, "server: {}\nnmae: x\n") == [
                "config.yaml:1:1: error: missing required key 'name' (is 'nmae' at line 2 a misspelling?)",
                "config.yaml:2:1: error: unknown key 'nmae' at the top level (did you mean 'name'?)",
            ])
    }

    @Test func abortedSectionStopsItsNonRecoverableParent() {
        // `server` is required and not recoverable: StrictConfig stops there, so `name` is not checked.
        #expect(
            diagnostics(StrictConfig.self, "server: [1]\n") == [
                "config.yaml:1:9: error: server: expected a mapping, got a sequence"
            ])
    }

    @Test(arguments: ["yes", "no", "on", "off", "y", "True", "FALSE", "1"])
    func onlyTrueAndFalseAreBooleans(_ word: String) {
        #expect(
            diagnostics(Config.self, "server:\n  tls: \(word)\n") == [
                "config.yaml:2:8: error: server.tls: expected a boolean, got \"\(word)\" (write true or false)"
            ])
    }

    @Test(arguments: ["0x10", "1_000", "1.0", "1e3", "", "-", "--1", " 5"])
    func strictIntegers(_ text: String) {
        let yaml = "server:\n  port: \"\(text)\"\n"
        #expect(
            diagnostics(Config.self, yaml) == [
                "config.yaml:2:9: error: server.port: expected an integer, got \"\(text)\""
            ])
    }

    @Test func synthesizedDecodableReportsEveryField() {
        let yaml = """
            urll: https://a
            retries: x
            weight: abc
            enabled: on
            labels: [a]
            note: {a: 1}
            """
        #expect(
            diagnostics(Endpoint.self, yaml) == [
                "config.yaml:1:1: error: missing required key 'url' (is 'urll' at line 1 a misspelling?)",
                "config.yaml:1:1: error: unknown key 'urll' at the top level (did you mean 'url'?)",
                #"config.yaml:2:10: error: retries: expected an integer, got "x""#,
                #"config.yaml:3:9: error: weight: expected a number, got "abc""#,
                #"config.yaml:4:10: error: enabled: expected a boolean, got "on" (write true or false)"#,
                "config.yaml:5:9: error: labels: expected a mapping, got a sequence",
                "config.yaml:6:7: error: note: expected a string, got a mapping",
            ])
    }

    @Test func unsignedIntegers() {
        struct Sizes: Decodable {
            var a: UInt8
            var b: UInt
            var c: Int16
        }
        #expect(
            diagnostics(Sizes.self, "a: 256\nb: -1\nc: -40000\n") == [
                #"config.yaml:1:4: error: a: expected a non-negative integer, got "256" (out of range)"#,
                #"config.yaml:2:4: error: b: expected a non-negative integer, got "-1""#,
                #"config.yaml:3:4: error: c: expected an integer, got "-40000" (out of range)"#,
            ])
    }

    @Test func invalidUTF8() {
        do {
            _ = try YAMLParser.parse(
                bytes: Array("a: 1\nb: x".utf8) + [0xFF, 0x0A], file: "config.yaml", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "config.yaml:2:5: error: invalid leading UTF-8 octet (byte 0xFF; the file must be UTF-8 encoded)"
            )
        }
    }

    @Test func unreadableFile() {
        do {
            _ = try YAMLDecoder().decode(
                Config.self, contentsOf: "/nonexistent/sellify/config.yaml", displayName: "config.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "config.yaml: error: cannot read file: No such file or directory")
        }
    }

    @Test func diagnosticFormatting() {
        let file = SourceLocation(file: "a.yaml", line: 0)
        let line = SourceLocation(file: "a.yaml", line: 3)
        let full = SourceLocation(file: "a.yaml", line: 3, column: 7)
        #expect(Diagnostic("boom", at: file).description == "a.yaml: error: boom")
        #expect(Diagnostic("boom", at: line, severity: .warning).description == "a.yaml:3: warning: boom")
        #expect(
            Diagnostic(location: full, severity: .note, message: "boom", hint: "try again").description
                == "a.yaml:3:7: note: boom (try again)")
        #expect(Diagnostic("boom").description == "error: boom")
        let list = DiagnosticList([Diagnostic("b", at: full), Diagnostic("a", at: line)])
        #expect(list.description == "a.yaml:3:7: error: b\na.yaml:3: error: a")
        #expect(list.sortedAndDeduplicated().description == "a.yaml:3: error: a\na.yaml:3:7: error: b")
    }
}
