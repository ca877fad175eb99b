import CYAML

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parses YAML text with libyaml's event API into a `YAMLNode` tree.
public enum YAMLParser {
    /// Collections nested deeper than this are an error (configs need a handful of
    /// levels; tens of thousands crashed consumers that walk the tree recursively).
    public static let maxDepth = 64
    /// Files larger than this are refused before parsing.
    public static let maxBytes = 64 << 20
    /// Nodes that aliases may add to a document (`*a` repeats its anchor's whole
    /// subtree: nine aliases of nine aliases would be 387 million nodes).
    public static let maxAliasNodes = 1_000_000

    /// Parses one YAML document. Returns `nil` for an empty file or an empty document.
    /// `${VAR}` / `${VAR:-default}` in scalars are replaced from `environment`.
    public static func parse(
        _ text: String, file: String, environment: [String: String]
    ) throws(DiagnosticList) -> YAMLNode? {
        var text = text
        let result = text.withUTF8 { buffer in
            parse(buffer: buffer, file: file, environment: environment)
        }
        return try result.get()
    }

    /// Parses raw bytes (any encoding libyaml detects: UTF-8 with or without BOM, UTF-16 with BOM).
    /// Invalid UTF-8 is reported as a diagnostic.
    public static func parse(
        bytes: [UInt8], file: String, environment: [String: String]
    ) throws(DiagnosticList) -> YAMLNode? {
        let result = bytes.withUnsafeBufferPointer { buffer in
            parse(buffer: buffer, file: file, environment: environment)
        }
        return try result.get()
    }

    static func parse(
        buffer: UnsafeBufferPointer<UInt8>, file: String, environment: [String: String]
    ) -> Result<YAMLNode?, DiagnosticList> {
        guard buffer.count <= maxBytes else {
            return .failure(
                DiagnosticList([
                    Diagnostic(
                        "the file is \(buffer.count) bytes, more than the \(maxBytes >> 20) MiB a YAML file may have",
                        at: SourceLocation(file: file, line: 0))
                ]))
        }
        var builder = TreeBuilder(file: file, environment: environment, input: buffer)
        let root = builder.run()
        if !builder.diagnostics.isEmpty {
            return .failure(DiagnosticList(builder.diagnostics).sortedAndDeduplicated())
        }
        return .success(root)
    }
}

/// An open sequence or mapping while its events are being read. Its children live on the
/// builder's shared `nodes` stack from `start` on (keys and values interleaved for a mapping),
/// so each finished collection is copied into an array of exactly the right size once.
private struct Frame {
    let isSequence: Bool
    let location: SourceLocation
    let tag: String?
    let anchor: String?
    let start: Int  // first child in `nodes`
    let keyStart: Int  // first key text in `keys`
    var expectingValue = false
    var dropNextValue = false
    var hasMerge = false
    var keyIndex: [String: Int]?  // key text → position in `keys`, built once the mapping gets big
}

private struct TreeBuilder {
    let file: String
    let environment: [String: String]
    let input: UnsafeBufferPointer<UInt8>
    var diagnostics: [Diagnostic] = []
    var anchors: [String: YAMLNode] = [:]
    var frames: [Frame] = []
    var nodes: [YAMLNode] = []  // children of the open collections
    var shapes: [Shape] = []  // the size and depth of each of `nodes`
    var anchorShapes: [String: Shape] = [:]
    var aliasNodes = 0  // nodes added by aliases so far
    var rootShape = Shape(size: 1, depth: 0)

    /// How many nodes a subtree has and how deep it nests (0 for a scalar).
    struct Shape {
        var size: Int
        var depth: Int
    }
    var keys: [String] = []  // key texts of the open mappings
    var keyLines: [Int] = []  // and the line of each
    var root: YAMLNode?
    var documents = 0

    init(file: String, environment: [String: String], input: UnsafeBufferPointer<UInt8>) {
        self.file = file
        self.environment = environment
        self.input = input
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    mutating func error(_ message: String, at location: SourceLocation?, hint: String? = nil) {
        diagnostics.append(Diagnostic(location: location, message: message, hint: hint))
    }

    mutating func run() -> YAMLNode? {
        // An empty file has no document (and libyaml wants a non-null input pointer).
        guard let base = input.baseAddress, input.count > 0 else { return nil }
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            error("cannot initialize the YAML parser (out of memory)", at: nil)
            return nil
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, base, input.count)

        var event = yaml_event_t()
        loop: while true {
            guard yaml_parser_parse(parser, &event) != 0 else {
                reportParserError(parser.pointee)
                break loop
            }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                break loop
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    error(
                        "a file may contain only one YAML document", at: location(event.start_mark),
                        hint: "remove the second '---'")
                    break loop
                }
            case YAML_SCALAR_EVENT:
                scalarEvent(event)
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                let loc = location(event.start_mark)
                if var node = anchors[name] {
                    let shape = anchorShapes[name] ?? Shape(size: 1, depth: 0)
                    aliasNodes += shape.size
                    if aliasNodes > YAMLParser.maxAliasNodes {
                        error(
                            "aliases expand this document to more than \(YAMLParser.maxAliasNodes) nodes", at: loc,
                            hint: "repeat less, or write the values out")
                        break loop
                    }
                    if frames.count + shape.depth > YAMLParser.maxDepth {
                        error("alias '*\(name)' nests the document deeper than \(YAMLParser.maxDepth) levels", at: loc)
                        break loop
                    }
                    node.location = loc
                    add(node, shape)
                } else {
                    error("alias '*\(name)' refers to an undefined anchor '\(name)'", at: loc)
                    add(YAMLNode(kind: .scalar("", style: .plain), location: loc))
                }
            case YAML_SEQUENCE_START_EVENT where frames.count >= YAMLParser.maxDepth,
                YAML_MAPPING_START_EVENT where frames.count >= YAMLParser.maxDepth:
                error(
                    "collections nested deeper than \(YAMLParser.maxDepth) levels", at: location(event.start_mark),
                    hint: "flatten the structure")
                break loop
            case YAML_SEQUENCE_START_EVENT:
                let data = event.data.sequence_start
                frames.append(
                    Frame(
                        isSequence: true, location: location(event.start_mark),
                        tag: data.tag.map { String(cString: $0) },
                        anchor: data.anchor.map { String(cString: $0) },
                        start: nodes.count, keyStart: keys.count))
            case YAML_MAPPING_START_EVENT:
                let data = event.data.mapping_start
                frames.append(
                    Frame(
                        isSequence: false, location: location(event.start_mark),
                        tag: data.tag.map { String(cString: $0) },
                        anchor: data.anchor.map { String(cString: $0) },
                        start: nodes.count, keyStart: keys.count))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = frames.popLast() else { break }
                var shape = Shape(size: 1, depth: 1)
                for child in shapes[frame.start...] {
                    shape.size += child.size
                    shape.depth = max(shape.depth, child.depth + 1)
                }
                let node = finish(frame)
                if let anchor = frame.anchor {
                    anchors[anchor] = node
                    anchorShapes[anchor] = shape
                }
                add(node, shape)
            default:
                break
            }
        }
        guard let root else { return nil }
        // An empty document ("---" alone) parses as an empty plain scalar.
        if case .scalar("", .plain) = root.kind, root.tag == nil { return nil }
        return root
    }

    mutating func scalarEvent(_ event: yaml_event_t) {
        let data = event.data.scalar
        let bytes = UnsafeBufferPointer(start: data.value, count: data.length)
        let raw = String(decoding: bytes, as: UTF8.self)
        let style: ScalarStyle
        switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: style = .literal
        case YAML_FOLDED_SCALAR_STYLE: style = .folded
        default: style = .plain
        }
        let start = location(event.start_mark)
        var text = raw
        if data.length > 0, memchr(data.value, Int32(UInt8(ascii: "$")), data.length) != nil {
            // Exact columns for `${` only when the scalar is on one line and written without escapes.
            let quote = (style == .singleQuoted || style == .doubleQuoted) ? 1 : 0
            let width = Int(event.end_mark.column) - Int(event.start_mark.column) - 2 * quote
            let exact =
                (style == .plain || quote == 1) && event.start_mark.line == event.end_mark.line
                && width == raw.unicodeScalars.count
            var errors: [Diagnostic] = []
            text = substituteEnvironment(raw, environment: environment) { offset, message, hint in
                var loc = start
                if exact { loc.column += quote + offset }
                errors.append(Diagnostic(location: loc, message: message, hint: hint))
            }
            diagnostics += errors
        }
        let node = YAMLNode(
            kind: .scalar(text, style: style), location: start,
            tag: data.tag.map { String(cString: $0) })
        if let anchor = data.anchor {
            anchors[String(cString: anchor)] = node
            anchorShapes[String(cString: anchor)] = Shape(size: 1, depth: 0)
        }
        add(node)
    }

    mutating func add(_ node: YAMLNode, _ shape: Shape = Shape(size: 1, depth: 0)) {
        guard !frames.isEmpty else {
            if root == nil {
                root = node
                rootShape = shape
            }
            return
        }
        let top = frames.count - 1
        if frames[top].isSequence {
            nodes.append(node)
            shapes.append(shape)
            return
        }
        if frames[top].expectingValue {
            frames[top].expectingValue = false
            if frames[top].dropNextValue {
                frames[top].dropNextValue = false
            } else {
                nodes.append(node)
                shapes.append(shape)
            }
            return
        }
        // A key.
        frames[top].expectingValue = true
        guard case .scalar(let text, let style) = node.kind else {
            error("mapping keys must be scalars, got \(node.kindDescription)", at: node.location)
            frames[top].dropNextValue = true
            return
        }
        if text == "<<" && style == .plain && (node.tag == nil || node.tag == "tag:yaml.org,2002:merge") {
            frames[top].hasMerge = true
            nodes.append(node)
            shapes.append(shape)
            return
        }
        if let first = firstKey(text, in: top) {
            let line = keyLines[first]
            error("duplicate key '\(text)'", at: node.location, hint: "first defined at line \(line)")
            frames[top].dropNextValue = true
            return
        }
        nodes.append(node)
        shapes.append(shape)
        keys.append(text)
        keyLines.append(node.location.line)
        let count = keys.count - frames[top].keyStart
        if frames[top].keyIndex != nil {
            frames[top].keyIndex![text] = keys.count - 1
        } else if count > 16 {
            var index = [String: Int](minimumCapacity: count * 2)
            for i in frames[top].keyStart..<keys.count where index[keys[i]] == nil { index[keys[i]] = i }
            frames[top].keyIndex = index
        }
    }

    /// Position in `keys` of an earlier key `text` of the mapping `frame`.
    func firstKey(_ text: String, in frame: Int) -> Int? {
        if let index = frames[frame].keyIndex { return index[text] }
        return keys[frames[frame].keyStart...].firstIndex(of: text)
    }

    mutating func finish(_ frame: Frame) -> YAMLNode {
        defer {
            nodes.removeSubrange(frame.start...)
            shapes.removeSubrange(frame.start...)
            if keys.count > frame.keyStart {
                keys.removeSubrange(frame.keyStart...)
                keyLines.removeSubrange(frame.keyStart...)
            }
        }
        if frame.isSequence {
            return YAMLNode(kind: .sequence(Array(nodes[frame.start...])), location: frame.location, tag: frame.tag)
        }
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        pairs.reserveCapacity((nodes.count - frame.start) / 2)
        var merges: [YAMLNode] = []
        var i = frame.start
        while i + 1 < nodes.count {
            if frame.hasMerge, case .scalar("<<", .plain) = nodes[i].kind,
                nodes[i].tag == nil || nodes[i].tag == "tag:yaml.org,2002:merge"
            {
                addMerge(nodes[i + 1], to: &merges)
            } else {
                pairs.append((nodes[i], nodes[i + 1]))
            }
            i += 2
        }
        if !merges.isEmpty {
            // Explicit keys win; among merged mappings the first one listed wins.
            var seen = Set<String>(keys[frame.keyStart...])
            for source in merges {
                guard case .mapping(let sourcePairs) = source.kind else { continue }
                for pair in sourcePairs where seen.insert(pair.key.scalar ?? "").inserted {
                    pairs.append(pair)
                }
            }
        }
        return YAMLNode(kind: .mapping(pairs), location: frame.location, tag: frame.tag)
    }

    mutating func addMerge(_ value: YAMLNode, to merges: inout [YAMLNode]) {
        switch value.kind {
        case .mapping:
            merges.append(value)
        case .sequence(let items):
            for item in items {
                if case .mapping = item.kind {
                    merges.append(item)
                } else {
                    error(
                        "merge key '<<' expects a mapping or a sequence of mappings, got \(item.kindDescription) in the sequence",
                        at: item.location)
                }
            }
        case .scalar:
            error(
                "merge key '<<' expects a mapping or a sequence of mappings, got \(value.kindDescription)",
                at: value.location)
        }
    }

    mutating func reportParserError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch parser.error {
        case YAML_MEMORY_ERROR:
            error("out of memory while parsing", at: SourceLocation(file: file, line: 0))
        case YAML_READER_ERROR:
            // Reader errors (bad encoding) carry a byte offset instead of a mark.
            let offset = min(Int(parser.problem_offset), input.count)
            var line = 1
            var column = 1
            for byte in input[0..<offset] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            var hint = "the file must be UTF-8 encoded"
            if parser.problem_value != -1 {
                let hex = String(UInt32(bitPattern: parser.problem_value), radix: 16, uppercase: true)
                hint = "byte 0x\(hex.count < 2 ? "0" + hex : hex); " + hint
            }
            error(problem, at: SourceLocation(file: file, line: line, column: column), hint: hint)
        default:
            var hint: String?
            if let context = parser.context {
                hint = "\(String(cString: context)) at line \(parser.context_mark.line + 1)"
            }
            error(problem, at: location(parser.problem_mark), hint: hint)
        }
    }
}
