import SellifyYAML

extension Templates {
    /// One template text with where it was written.
    struct Text: Decodable, YAMLRecoverable {
        var text: String
        var location: SourceLocation?
        static var yamlPlaceholder: Self { Self(text: "") }
        init(text: String) { self.text = text }
        init(from decoder: any Decoder) throws {
            location = decoder.yamlLocation
            text = try decoder.singleValueContainer().decode(String.self)
        }
    }

    /// Decodes `templates.yaml` and checks every `{placeholder}`.
    static func load(_ file: RuleSources.File) throws(DiagnosticList) -> Templates {
        let decoded = try YAMLDecoder().decode(
            [String: [String: Text]].self, from: file.source, file: file.displayPath, environment: [:])
        var diagnostics: [Diagnostic] = []
        var texts: [String: [String: String]] = [:]
        for name in decoded.keys.sorted() {
            if name.hasPrefix(FAQ.templatePrefix) {
                diagnostics.append(
                    Diagnostic(
                        "template name '\(name)': names starting with '\(FAQ.templatePrefix)' are the answers of \(RuleSources.faqFile)",
                        at: decoded[name]!.values.compactMap(\.location).min { $0.line < $1.line },
                        hint: "rename the template, or move the answer to \(RuleSources.faqFile)"))
            }
            for (language, text) in decoded[name]!.sorted(by: { $0.key < $1.key }) {
                for placeholder in placeholders(in: text.text) where !Self.placeholders.contains(placeholder) {
                    diagnostics.append(
                        Diagnostic(
                            "\(name).\(language): unknown placeholder '{\(placeholder)}'", at: text.location,
                            hint: "expected one of "
                                + Self.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", ")))
                }
                texts[name, default: [:]][language] = text.text
            }
        }
        if texts.isEmpty {
            diagnostics.append(
                Diagnostic("no templates defined", at: SourceLocation(file: file.displayPath, line: 1, column: 1)))
        }
        guard diagnostics.isEmpty else { throw DiagnosticList(diagnostics) }
        return Templates(texts: texts)
    }

    /// The names inside `{…}` in order.
    static func placeholders(in text: String) -> [String] {
        var result: [String] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return result
    }
}
