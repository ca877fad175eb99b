/// A position in a source file. `line` and `column` are 1-based; `column == 0`
/// means "unknown column" and `line == 0` means "no position inside the file".
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, `file:line` when the column is unknown, `file` when the line is.
    public var description: String {
        if line <= 0 { return file }
        if column <= 0 { return "\(file):\(line)" }
        return "\(file):\(line):\(column)"
    }
}

/// One compiler-style message: `config.yaml:17:12: error: message (hint)`.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning, note
    }

    /// `nil` prints the message without a location prefix.
    public var location: SourceLocation?
    public var severity: Severity
    /// Starts lowercase; names are quoted with '…'.
    public var message: String
    /// Printed as ` (hint)` after the message.
    public var hint: String?

    public init(location: SourceLocation?, severity: Severity = .error, message: String, hint: String? = nil) {
        self.location = location
        self.severity = severity
        self.message = message
        self.hint = hint
    }

    public init(_ message: String, at location: SourceLocation? = nil, severity: Severity = .error, hint: String? = nil)
    {
        self.init(location: location, severity: severity, message: message, hint: hint)
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): \(message)"
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Every diagnostic of one file, sorted by position.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }

    /// Sorts by (line, column) — diagnostics without a location first — keeping the
    /// order of equal positions, and drops exact duplicates.
    public func sortedAndDeduplicated() -> DiagnosticList {
        var seen = Set<Diagnostic>()
        let unique = diagnostics.filter { seen.insert($0).inserted }
        let sorted = unique.enumerated().sorted { a, b in
            let ka = a.element.sortKey
            let kb = b.element.sortKey
            if ka.0 != kb.0 { return ka.0 < kb.0 }
            if ka.1 != kb.1 { return ka.1 < kb.1 }
            if ka.2 != kb.2 { return ka.2 < kb.2 }
            return a.offset < b.offset
        }
        return DiagnosticList(sorted.map(\.element))
    }
}

extension Diagnostic {
    fileprivate var sortKey: (String, Int, Int) {
        guard let location else { return ("", -1, -1) }
        return (location.file, location.line, location.column)
    }
}
