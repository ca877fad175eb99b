import SellifyYAML

extension RuleSet {
    /// Every FAQ answer, rendered as the pipeline would render it, through the
    /// validator every outgoing text passes (with no product in context: an
    /// answer about the store quotes no price). An answer that would be
    /// rejected ("envío garantizado", a price, a link) fails the load instead
    /// of every customer who asks.
    func faqAnswerDiagnostics(catalog: Catalog, configuration: SellifyConfiguration) -> [Diagnostic] {
        guard !faq.entries.isEmpty else { return [] }
        let renderer = ResponseEngine(
            templates: templates, account: configuration.account, defaultLanguage: intents.defaultLanguage)
        let validator = TextValidator(
            rules: self, catalog: catalog, validation: configuration.validation, account: configuration.account)
        var diagnostics: [Diagnostic] = []
        for (index, entry) in faq.entries.enumerated() {
            for language in entry.answers.keys.sorted() {
                let field = "entries[\(index)].answer.\(language)"
                let location = entry.answerLocations[language] ?? entry.location
                do {
                    let text = try renderer.render(
                        WordingRequest(template: entry.templateName, language: language, product: nil))
                    let result = try validator.validate(text, products: [], context: nil)
                    let blocking = result.violations.filter { $0.severity == Violation.block }
                    if !result.valid {
                        diagnostics.append(
                            Diagnostic(
                                "\(field): the answer fails validation: "
                                    + blocking.map { "\($0.message) (\($0.code))" }.joined(separator: "; "),
                                at: location,
                                hint: "FAQ answers pass the validator like every outgoing text: no prices, links, "
                                    + "phone numbers or phrases of \(sources.forbiddenWords.displayPath)"))
                    }
                } catch {
                    diagnostics.append(Diagnostic("\(field): \(error)", at: location))
                }
            }
        }
        return diagnostics
    }
}
