/// Thrown after an error has been recorded in the shared collector: the parent stops
/// (or, when it is `YAMLRecoverable`, continues with a placeholder) without reporting again.
struct AlreadyReported: Error {}

/// Carries an exact diagnostic through a `DecodingError` thrown by this decoder.
struct DiagnosticBox: Error {
    let diagnostic: Diagnostic
}

/// A sequence index in a coding path, printed as `[i]`.
struct IndexKey: CodingKey {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(intValue: Int) { self.index = intValue }
    init?(stringValue: String) { return nil }
    var intValue: Int? { index }
    var stringValue: String { "Index \(index)" }
}

/// A mapping key in a coding path.
struct NameKey: CodingKey {
    let stringValue: String
    init(_ name: String) { self.stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue) }
    var intValue: Int? { nil }
}

/// A ready-made path prefix such as `metrics.exporters[0]`, printed as it is.
struct RawPathKey: CodingKey {
    let stringValue: String
    init(_ path: String) { self.stringValue = path }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
    var intValue: Int? { nil }
}

/// `auth.api_keys[0].sha256`
func renderPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
        if let index = key as? IndexKey {
            text += "[\(index.index)]"
        } else {
            if !text.isEmpty { text += "." }
            text += key.stringValue
        }
    }
    return text
}

/// State shared by every decoder and container of one `YAMLDecoder.decode` call.
final class DecodingContext {
    let file: String
    let userInfo: [CodingUserInfoKey: Any]
    let fileIsEmpty: Bool
    var diagnostics: [Diagnostic] = []

    init(file: String, userInfo: [CodingUserInfoKey: Any], fileIsEmpty: Bool) {
        self.file = file
        self.userInfo = userInfo
        self.fileIsEmpty = fileIsEmpty
    }

    func record(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    func record(_ message: String, at location: SourceLocation, path: [any CodingKey], hint: String? = nil) {
        let prefix = renderPath(path)
        record(Diagnostic(location: location, message: prefix.isEmpty ? message : "\(prefix): \(message)", hint: hint))
    }

    /// `expected a mapping, got a sequence` — or, for the root of an empty file,
    /// `the file is empty (expected a mapping)`.
    func mismatch(expected: String, node: YAMLNode, path: [any CodingKey]) -> Diagnostic {
        if path.isEmpty && fileIsEmpty {
            return Diagnostic(
                location: SourceLocation(file: file, line: 1, column: 1),
                message: "the file is empty", hint: "expected \(expected)")
        }
        let prefix = renderPath(path)
        let message = "expected \(expected), got \(node.kindDescription)"
        return Diagnostic(location: node.location, message: prefix.isEmpty ? message : "\(prefix): \(message)")
    }

    /// A `DecodingError` that carries `diagnostic`, for errors a type might want to catch.
    func thrownError(_ diagnostic: Diagnostic, path: [any CodingKey]) -> DecodingError {
        .dataCorrupted(
            DecodingError.Context(
                codingPath: path, debugDescription: diagnostic.message,
                underlyingError: DiagnosticBox(diagnostic: diagnostic)))
    }

    func missingKey(_ key: String, mapping location: SourceLocation, path: [any CodingKey]) -> Diagnostic {
        let prefix = renderPath(path)
        let message = "missing required key '\(key)'"
        return Diagnostic(location: location, message: prefix.isEmpty ? message : "\(prefix): \(message)")
    }

    // MARK: Values

    func decodePrimitive<P: YAMLPrimitive>(_ type: P.Type, node: YAMLNode, path: [any CodingKey]) -> P {
        guard case .scalar(let text, _) = node.kind, !node.isNull else {
            record(mismatch(expected: P.yamlExpectation, node: node, path: path))
            return P.yamlNeutral
        }
        switch P.yamlParse(text) {
        case .value(let value):
            return value
        case .invalid(let hint):
            record("expected \(P.yamlExpectation), got \(quoted(text))", at: node.location, path: path, hint: hint)
        case .outOfRange:
            record("expected \(P.yamlExpectation), got \(quoted(text)) (out of range)", at: node.location, path: path)
        }
        return P.yamlNeutral
    }

    /// After an error was recorded: the placeholder of a `YAMLRecoverable` type, else `AlreadyReported`.
    func fail<T>(_ type: T.Type) throws -> T {
        if let recoverable = T.self as? any YAMLRecoverable.Type {
            return placeholder(recoverable) as! T
        }
        throw AlreadyReported()
    }

    /// Decodes any value. Never throws anything but `AlreadyReported`, and only after
    /// at least one diagnostic was recorded.
    func decodeValue<T: Decodable>(_ type: T.Type, node: YAMLNode, path: [any CodingKey]) throws -> T {
        if let primitive = T.self as? any YAMLPrimitive.Type {
            return decodeOpenedPrimitive(primitive, node: node, path: path) as! T
        }
        if let scalarType = T.self as? any YAMLScalarValue.Type {
            if let value = decodeScalarValue(scalarType, node: node, path: path) {
                return value as! T
            }
            return try fail(T.self)
        }
        if let arrayType = T.self as? any YAMLArrayDecodable.Type {
            return try arrayType.yamlDecodeArray(node: node, path: path, context: self) as! T
        }
        if let dictionaryType = T.self as? any YAMLStringDictionaryDecodable.Type {
            return try dictionaryType.yamlDecodeDictionary(node: node, path: path, context: self) as! T
        }
        let decoder = YAMLNodeDecoder(node: node, codingPath: path, context: self)
        let before = diagnostics.count
        do {
            let value = try T(from: decoder)
            if !(T.self is any YAMLAllowsUnknownKeys.Type) {
                decoder.checkUnknownKeys()
            }
            return value
        } catch {
            recordThrown(error, node: node, path: path, nestedErrorsRecorded: diagnostics.count > before)
            return try fail(T.self)
        }
    }

    private func decodeOpenedPrimitive<P: YAMLPrimitive>(_ type: P.Type, node: YAMLNode, path: [any CodingKey]) -> Any {
        decodePrimitive(P.self, node: node, path: path)
    }

    private func decodeScalarValue<S: YAMLScalarValue>(_ type: S.Type, node: YAMLNode, path: [any CodingKey]) -> S? {
        guard case .scalar(let text, _) = node.kind, !node.isNull else {
            record(mismatch(expected: S.expectation, node: node, path: path))
            return nil
        }
        guard let value = S(yamlScalar: text) else {
            record("expected \(S.expectation), got \(quoted(text))", at: node.location, path: path)
            return nil
        }
        return value
    }

    /// Records an error thrown out of some type's `init(from:)`. Errors of our own containers
    /// are always recorded; errors of the type itself are dropped when errors inside it were
    /// already recorded (they are most likely a consequence of the placeholder values).
    func recordThrown(_ error: any Error, node: YAMLNode, path: [any CodingKey], nestedErrorsRecorded: Bool) {
        if error is AlreadyReported { return }
        if let decodingError = error as? DecodingError, let context = decodingError.context,
            let box = context.underlyingError as? DiagnosticBox
        {
            record(box.diagnostic)
            return
        }
        if nestedErrorsRecorded { return }
        switch error {
        case let diagnostic as Diagnostic:
            record(diagnostic)
        case let list as DiagnosticList:
            if list.diagnostics.isEmpty {
                record("invalid value", at: node.location, path: path)
            }
            diagnostics += list.diagnostics
        case let decodingError as DecodingError:
            let context = decodingError.context
            var errorPath = path
            var target = node
            if let context, hasPrefix(context.codingPath, path) {
                errorPath = context.codingPath
                target = locate(context.codingPath[path.count...], from: node)
            }
            switch decodingError {
            case .keyNotFound(let key, _):
                record(missingKey(key.stringValue, mapping: target.location, path: errorPath))
            default:
                record(context?.debugDescription ?? "invalid value", at: target.location, path: errorPath)
            }
        default:
            record(String(describing: error), at: node.location, path: path)
        }
    }

    private func hasPrefix(_ path: [any CodingKey], _ prefix: [any CodingKey]) -> Bool {
        guard path.count >= prefix.count else { return false }
        for (a, b) in zip(path, prefix) where a.stringValue != b.stringValue || a.intValue != b.intValue {
            return false
        }
        return true
    }

    private func locate(_ rest: ArraySlice<any CodingKey>, from node: YAMLNode) -> YAMLNode {
        var current = node
        for key in rest {
            switch current.kind {
            case .mapping(let pairs):
                guard let pair = pairs.first(where: { $0.key.scalar == key.stringValue }) else { return current }
                current = pair.value
            case .sequence(let items):
                guard let index = key.intValue, items.indices.contains(index) else { return current }
                current = items[index]
            case .scalar:
                return current
            }
        }
        return current
    }
}

private func placeholder<R: YAMLRecoverable>(_ type: R.Type) -> Any {
    R.yamlPlaceholder
}

extension DecodingError {
    var context: Context? {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context),
            .keyNotFound(_, let context), .dataCorrupted(let context):
            return context
        @unknown default:
            return nil
        }
    }
}

// MARK: Collections decoded element by element, so every bad element is reported.

protocol YAMLArrayDecodable {
    static func yamlDecodeArray(node: YAMLNode, path: [any CodingKey], context: DecodingContext) throws -> Any
}

extension Array: YAMLArrayDecodable where Element: Decodable {
    static func yamlDecodeArray(node: YAMLNode, path: [any CodingKey], context: DecodingContext) throws -> Any {
        guard case .sequence(let items) = node.kind else {
            context.record(context.mismatch(expected: "a sequence", node: node, path: path))
            return try context.fail(Self.self)
        }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        var failed = false
        for (index, item) in items.enumerated() {
            do {
                result.append(try context.decodeValue(Element.self, node: item, path: path + [IndexKey(index)]))
            } catch {
                failed = true
            }
        }
        return failed ? try context.fail(Self.self) : result
    }
}

protocol YAMLStringDictionaryDecodable {
    static func yamlDecodeDictionary(node: YAMLNode, path: [any CodingKey], context: DecodingContext) throws -> Any
}

extension Dictionary: YAMLStringDictionaryDecodable where Key == String, Value: Decodable {
    static func yamlDecodeDictionary(node: YAMLNode, path: [any CodingKey], context: DecodingContext) throws -> Any {
        guard case .mapping(let pairs) = node.kind else {
            context.record(context.mismatch(expected: "a mapping", node: node, path: path))
            return try context.fail(Self.self)
        }
        var result: [String: Value] = [:]
        result.reserveCapacity(pairs.count)
        var failed = false
        for pair in pairs {
            let key = pair.key.scalar ?? ""
            do {
                result[key] = try context.decodeValue(Value.self, node: pair.value, path: path + [NameKey(key)])
            } catch {
                failed = true
            }
        }
        return failed ? try context.fail(Self.self) : result
    }
}

// MARK: Decoder

final class YAMLNodeDecoder: Decoder {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    let context: DecodingContext
    /// Trackers are checked by the decoder whose type owns them (super decoders share their parent's).
    private let owner: YAMLNodeDecoder?
    private var trackers: [MappingTracker] = []
    private var ownTracker: MappingTracker?

    init(node: YAMLNode, codingPath: [any CodingKey], context: DecodingContext, owner: YAMLNodeDecoder? = nil) {
        self.node = node
        self.codingPath = codingPath
        self.context = context
        self.owner = owner
    }

    var userInfo: [CodingUserInfoKey: Any] { context.userInfo }

    func register(_ tracker: MappingTracker) {
        if let owner {
            owner.register(tracker)
        } else {
            trackers.append(tracker)
        }
    }

    func checkUnknownKeys() {
        for tracker in trackers { tracker.reportUnknownKeys(into: context) }
    }

    func mappingTracker(for node: YAMLNode, path: [any CodingKey]) throws -> MappingTracker {
        guard case .mapping(let pairs) = node.kind else {
            throw context.thrownError(context.mismatch(expected: "a mapping", node: node, path: path), path: path)
        }
        let tracker = MappingTracker(location: node.location, pairs: pairs, path: path)
        register(tracker)
        return tracker
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let tracker: MappingTracker
        if let ownTracker {
            tracker = ownTracker
        } else {
            tracker = try mappingTracker(for: node, path: codingPath)
            ownTracker = tracker
        }
        return KeyedDecodingContainer(YAMLKeyedContainer<Key>(decoder: self, tracker: tracker))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try YAMLUnkeyedContainer(decoder: self, node: node, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        YAMLSingleValueContainer(decoder: self)
    }
}

/// Which keys of one mapping were asked for, to report the others as unknown.
final class MappingTracker {
    let location: SourceLocation
    let pairs: [(key: YAMLNode, value: YAMLNode)]
    let path: [any CodingKey]
    private var queried: [Bool]
    private var asked: [String] = []
    private var index: [String: Int]?

    init(location: SourceLocation, pairs: [(key: YAMLNode, value: YAMLNode)], path: [any CodingKey]) {
        self.location = location
        self.pairs = pairs
        self.path = path
        self.queried = Array(repeating: false, count: pairs.count)
        if pairs.count > 12 {
            var index = [String: Int](minimumCapacity: pairs.count)
            for (i, pair) in pairs.enumerated() where index[pair.key.scalar ?? ""] == nil {
                index[pair.key.scalar ?? ""] = i
            }
            self.index = index
        }
    }

    /// The value for `key`, marking the key as known.
    func lookup(_ key: String) -> YAMLNode? {
        asked.append(key)
        let found: Int?
        if let index {
            found = index[key]
        } else {
            found = pairs.firstIndex(where: { $0.key.scalar == key })
        }
        guard let found else { return nil }
        queried[found] = true
        return pairs[found].value
    }

    /// A key of this mapping, not asked for so far, that looks like a misspelling of `key`.
    func misspelling(of key: String) -> (name: String, line: Int)? {
        var candidates: [String] = []
        for (i, pair) in pairs.enumerated() where !queried[i] {
            if let name = pair.key.scalar { candidates.append(name) }
        }
        guard let match = closestKey(to: key, among: candidates),
            let pair = pairs.first(where: { $0.key.scalar == match })
        else { return nil }
        return (match, pair.key.location.line)
    }

    func reportUnknownKeys(into context: DecodingContext) {
        guard queried.contains(false) else { return }
        var known: [String] = []
        var seen = Set<String>()
        for key in asked where seen.insert(key).inserted { known.append(key) }
        let present = Set(pairs.compactMap { $0.key.scalar })
        let absent = known.filter { !present.contains($0) }
        let place = path.isEmpty ? "at the top level" : "in '\(renderPath(path))'"
        for (i, pair) in pairs.enumerated() where !queried[i] {
            let name = pair.key.scalar ?? ""
            var hint: String?
            if let match = closestKey(to: name, among: absent) {
                hint = "did you mean '\(match)'?"
            } else if known.count == 1 {
                hint = "expected '\(known[0])'"
            } else if (2...8).contains(known.count) {
                hint = "expected one of " + known.map { "'\($0)'" }.joined(separator: ", ")
            }
            context.record(
                Diagnostic(location: pair.key.location, message: "unknown key '\(name)' \(place)", hint: hint))
        }
    }
}

/// The candidate with the smallest edit distance (with transpositions), when it is at most
/// 2 and at most a third of the key's length (at least 1).
func closestKey(to key: String, among candidates: [String]) -> String? {
    let a = Array(key.lowercased().unicodeScalars)
    let limit = min(2, max(1, a.count / 3))
    var best: (String, Int)?
    for candidate in candidates {
        let b = Array(candidate.lowercased().unicodeScalars)
        guard abs(a.count - b.count) <= limit else { continue }
        let distance = editDistance(a, b)
        if distance <= limit, distance < (best?.1 ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.0
}

func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                value = min(value, previous2[j - 2] + 1)
            }
            current[j] = value
        }
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
}

// MARK: Containers

struct YAMLKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: YAMLNodeDecoder
    let tracker: MappingTracker

    var codingPath: [any CodingKey] { tracker.path }
    var context: DecodingContext { decoder.context }

    var allKeys: [Key] {
        tracker.pairs.compactMap { pair in pair.key.scalar.flatMap { Key(stringValue: $0) } }
    }

    func contains(_ key: Key) -> Bool {
        tracker.lookup(key.stringValue) != nil
    }

    /// A missing key counts as nil.
    func decodeNil(forKey key: Key) throws -> Bool {
        tracker.lookup(key.stringValue)?.isNull ?? true
    }

    private func recordMissing(_ key: Key) {
        var diagnostic = context.missingKey(key.stringValue, mapping: tracker.location, path: codingPath)
        if let typo = tracker.misspelling(of: key.stringValue) {
            diagnostic.hint = "is '\(typo.name)' at line \(typo.line) a misspelling?"
        }
        context.record(diagnostic)
    }

    private func primitive<P: YAMLPrimitive>(_ type: P.Type, _ key: Key) -> P {
        guard let node = tracker.lookup(key.stringValue) else {
            recordMissing(key)
            return P.yamlNeutral
        }
        return context.decodePrimitive(P.self, node: node, path: codingPath + [key])
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { primitive(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { primitive(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { primitive(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { primitive(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { primitive(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { primitive(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { primitive(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { primitive(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { primitive(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { primitive(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { primitive(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { primitive(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { primitive(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { primitive(type, key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let node = tracker.lookup(key.stringValue) else {
            recordMissing(key)
            return try context.fail(T.self)
        }
        return try context.decodeValue(T.self, node: node, path: codingPath + [key])
    }

    /// nil for a missing key or a null value; also nil (after recording the error) when the
    /// value is invalid, so the caller's `?? default` lets decoding go on.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = tracker.lookup(key.stringValue), !node.isNull else { return nil }
        do {
            return try context.decodeValue(T.self, node: node, path: codingPath + [key])
        } catch {
            return nil
        }
    }

    private func requiredNode(_ key: Key) throws -> YAMLNode {
        guard let node = tracker.lookup(key.stringValue) else {
            throw context.thrownError(
                context.missingKey(key.stringValue, mapping: tracker.location, path: codingPath),
                path: codingPath)
        }
        return node
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let node = try requiredNode(key)
        let tracker = try decoder.mappingTracker(for: node, path: codingPath + [key])
        return KeyedDecodingContainer(YAMLKeyedContainer<NestedKey>(decoder: decoder, tracker: tracker))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let node = try requiredNode(key)
        return try YAMLUnkeyedContainer(decoder: decoder, node: node, codingPath: codingPath + [key])
    }

    func superDecoder() throws -> any Decoder {
        try superDecoder(name: "super")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try superDecoder(name: key.stringValue)
    }

    private func superDecoder(name: String) throws -> any Decoder {
        let node = tracker.lookup(name) ?? YAMLNode(kind: .scalar("", style: .plain), location: tracker.location)
        return YAMLNodeDecoder(node: node, codingPath: codingPath + [NameKey(name)], context: context, owner: decoder)
    }
}

struct YAMLUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: YAMLNodeDecoder
    let location: SourceLocation
    let items: [YAMLNode]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(decoder: YAMLNodeDecoder, node: YAMLNode, codingPath: [any CodingKey]) throws {
        guard case .sequence(let items) = node.kind else {
            let context = decoder.context
            throw context.thrownError(
                context.mismatch(expected: "a sequence", node: node, path: codingPath),
                path: codingPath)
        }
        self.decoder = decoder
        self.location = node.location
        self.items = items
        self.codingPath = codingPath
    }

    var context: DecodingContext { decoder.context }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> (YAMLNode, [any CodingKey]) {
        guard !isAtEnd else {
            let prefix = renderPath(codingPath)
            let message = "expected at least \(items.count + 1) items in the sequence"
            let diagnostic = Diagnostic(location: location, message: prefix.isEmpty ? message : "\(prefix): \(message)")
            throw DecodingError.valueNotFound(
                Any.self,
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: message,
                    underlyingError: DiagnosticBox(diagnostic: diagnostic)))
        }
        let index = currentIndex
        currentIndex += 1
        return (items[index], codingPath + [IndexKey(index)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return true }
        if items[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    private mutating func primitive<P: YAMLPrimitive>(_ type: P.Type) throws -> P {
        let (node, path) = try next()
        return context.decodePrimitive(P.self, node: node, path: path)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try primitive(type) }
    mutating func decode(_ type: String.Type) throws -> String { try primitive(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try primitive(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try primitive(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try primitive(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try primitive(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try primitive(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try primitive(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try primitive(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try primitive(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try primitive(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try primitive(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try primitive(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try primitive(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, path) = try next()
        return try context.decodeValue(T.self, node: node, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let (node, path) = try next()
        let tracker = try decoder.mappingTracker(for: node, path: path)
        return KeyedDecodingContainer(YAMLKeyedContainer<NestedKey>(decoder: decoder, tracker: tracker))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, path) = try next()
        return try YAMLUnkeyedContainer(decoder: decoder, node: node, codingPath: path)
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, path) = try next()
        return YAMLNodeDecoder(node: node, codingPath: path, context: context, owner: decoder)
    }
}

struct YAMLSingleValueContainer: SingleValueDecodingContainer {
    let decoder: YAMLNodeDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    var context: DecodingContext { decoder.context }

    func decodeNil() -> Bool { decoder.node.isNull }

    private func primitive<P: YAMLPrimitive>(_ type: P.Type) -> P {
        context.decodePrimitive(P.self, node: decoder.node, path: codingPath)
    }

    func decode(_ type: Bool.Type) throws -> Bool { primitive(type) }
    func decode(_ type: String.Type) throws -> String { primitive(type) }
    func decode(_ type: Double.Type) throws -> Double { primitive(type) }
    func decode(_ type: Float.Type) throws -> Float { primitive(type) }
    func decode(_ type: Int.Type) throws -> Int { primitive(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { primitive(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { primitive(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { primitive(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { primitive(type) }
    func decode(_ type: UInt.Type) throws -> UInt { primitive(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { primitive(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { primitive(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { primitive(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { primitive(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try context.decodeValue(T.self, node: decoder.node, path: codingPath)
    }
}
