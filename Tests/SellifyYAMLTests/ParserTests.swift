import SellifyYAML
import Testing

func parse(_ yaml: String, environment: [String: String] = [:]) throws(DiagnosticList) -> YAMLNode? {
    try YAMLParser.parse(yaml, file: "t.yaml", environment: environment)
}

@Suite("Parser")
struct ParserTests {
    @Test func locationsAreOneBased() throws {
        let root = try #require(
            try parse(
                """
                server:
                  host: example.org
                  ports:
                    - 80
                    - "443"
                """))
        #expect(root.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        let pairs = try #require(root.pairs)
        #expect(pairs[0].key.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        let server = try #require(root["server"])
        #expect(server.location == SourceLocation(file: "t.yaml", line: 2, column: 3))
        #expect(server["host"]?.location == SourceLocation(file: "t.yaml", line: 2, column: 9))
        let ports = try #require(server["ports"])
        #expect(ports.location == SourceLocation(file: "t.yaml", line: 4, column: 5))
        #expect(ports[0]?.location == SourceLocation(file: "t.yaml", line: 4, column: 7))
        #expect(ports[1]?.location == SourceLocation(file: "t.yaml", line: 5, column: 7))
    }

    @Test func scalarStyles() throws {
        let root = try #require(
            try parse(
                """
                a: plain
                b: 'single ''q'''
                c: "double\\tq"
                d: |
                  line1
                  line2
                e: >
                  folded
                  text
                f: end
                """))
        func style(_ key: String) -> ScalarStyle? {
            if case .scalar(_, let style) = root[key]?.kind { return style }
            return nil
        }
        #expect(style("a") == .plain)
        #expect(style("b") == .singleQuoted)
        #expect(style("c") == .doubleQuoted)
        #expect(style("d") == .literal)
        #expect(style("e") == .folded)
        #expect(root["b"]?.scalar == "single 'q'")
        #expect(root["c"]?.scalar == "double\tq")
        #expect(root["d"]?.scalar == "line1\nline2\n")
        #expect(root["e"]?.scalar == "folded text\n")
    }

    @Test func emptyInputsParseToNil() throws {
        #expect(try parse("") == nil)
        #expect(try parse("# comment only\n") == nil)
        #expect(try parse("---\n") == nil)
        #expect(try parse("---\n...\n") == nil)
        #expect(try parse("\u{FEFF}") == nil)
        #expect(try parse("~") != nil)
    }

    @Test func tags() throws {
        let root = try #require(try parse("a: !!str null\nb: !custom x\nc: null\n"))
        #expect(root["a"]?.tag == "tag:yaml.org,2002:str")
        #expect(root["a"]?.isNull == false)
        #expect(root["b"]?.tag == "!custom")
        #expect(root["b"]?.scalar == "x")
        #expect(root["c"]?.isNull == true)
    }

    @Test func anchorsAndAliases() throws {
        let root = try #require(
            try parse(
                """
                list: &l [a, b]
                name: &n hello
                copy: *l
                again: *n
                """))
        #expect(root["copy"]?.items?.compactMap(\.scalar) == ["a", "b"])
        #expect(root["again"]?.scalar == "hello")
        // The alias node itself is placed where the alias is written.
        #expect(root["again"]?.location.line == 4)
        #expect(root["again"]?.location.column == 8)
    }

    @Test func mergeKeysExplicitKeysWin() throws {
        let root = try #require(
            try parse(
                """
                base: &base
                  a: 1
                  b: 2
                other: &other
                  b: 20
                  c: 30
                one:
                  a: 10
                  <<: *base
                many:
                  <<: [*base, *other]
                  d: 4
                """))
        let one = try #require(root["one"])
        #expect(one["a"]?.scalar == "10")
        #expect(one["b"]?.scalar == "2")
        #expect(one.pairs?.count == 2)
        let many = try #require(root["many"])
        #expect(many["a"]?.scalar == "1")
        #expect(many["b"]?.scalar == "2")  // the first merged mapping wins
        #expect(many["c"]?.scalar == "30")
        #expect(many["d"]?.scalar == "4")
        #expect(many["<<"] == nil)
        // Merged keys keep the location where they were defined.
        #expect(many.pairs?.first(where: { $0.key.scalar == "c" })?.key.location.line == 6)
    }

    @Test func duplicateAfterMergeKeyNamesTheRightLine() {
        do {
            _ = try parse("b: &b {y: 1}\na:\n  <<: *b\n  x: 1\n  x: 2\n")
            Issue.record("expected a duplicate key error")
        } catch {
            #expect(error.description == "t.yaml:5:3: error: duplicate key 'x' (first defined at line 4)")
        }
    }

    @Test func environmentSubstitution() throws {
        let env = ["HOST": "db.local", "PORT": "5432", "EMPTY": "", "TRICKY": "${HOST}"]
        let root = try #require(
            try parse(
                """
                url: "postgres://${HOST}:${PORT}/app"
                fallback: ${MISSING:-localhost}
                empty_default: ${EMPTY:-dflt}
                empty_plain: x${EMPTY}y
                literal: $${HOST} and $HOST and $$HOST
                not_rescanned: ${TRICKY}
                default_with_spaces: '${MISSING:-a b c}'
                in_block: |
                  host=${HOST}
                end: true
                """, environment: env))
        #expect(root["url"]?.scalar == "postgres://db.local:5432/app")
        #expect(root["fallback"]?.scalar == "localhost")
        #expect(root["empty_default"]?.scalar == "dflt")
        #expect(root["empty_plain"]?.scalar == "xy")
        #expect(root["literal"]?.scalar == "${HOST} and $HOST and $$HOST")
        #expect(root["not_rescanned"]?.scalar == "${HOST}")
        #expect(root["default_with_spaces"]?.scalar == "a b c")
        #expect(root["in_block"]?.scalar == "host=db.local\n")
    }

    @Test func substitutedEmptyValueIsNull() throws {
        let root = try #require(try parse("a: ${EMPTY}\nb: '${EMPTY}'\n", environment: ["EMPTY": ""]))
        #expect(root["a"]?.isNull == true)
        #expect(root["b"]?.isNull == false)
    }

    @Test func invalidVariableName() {
        #expect(throws: DiagnosticList.self) { try parse("a: ${1X}\n") }
        do {
            _ = try parse("a: ${A B}\n")
        } catch {
            #expect(
                error.description
                    == "t.yaml:1:4: error: invalid environment variable name 'A B' in '${…}' (names are letters, digits and '_'; write $${ for a literal ${)"
            )
        }
    }

    @Test func bigMappingsAndDuplicates() throws {
        var yaml = ""
        for i in 0..<40 { yaml += "key\(i): \(i)\n" }
        let root = try #require(try parse(yaml))
        #expect(root.pairs?.count == 40)
        #expect(root["key39"]?.scalar == "39")
        do {
            _ = try parse(yaml + "key7: again\n")
            Issue.record("expected a duplicate key error")
        } catch {
            #expect(error.description == "t.yaml:41:1: error: duplicate key 'key7' (first defined at line 8)")
        }
    }

    @Test func utf16WithBOM() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "a: ü\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let root = try #require(try YAMLParser.parse(bytes: bytes, file: "t.yaml", environment: [:]))
        #expect(root["a"]?.scalar == "ü")
    }
}
