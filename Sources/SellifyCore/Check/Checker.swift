public import Foundation
import SellifyLua
public import SellifyYAML

/// `sellify check`: loads config, catalog and rules the way the server
/// would, compiles the rules, runs `decide` on the built-in samples, and
/// collects every problem instead of stopping at the first.
public struct Checker: Sendable {
    public struct Report: Sendable {
        public var diagnostics: [Diagnostic] = []
        /// One line per part that loaded, e.g. `catalog.yaml: 14 products`.
        public var summary: [String] = []
        public var isClean: Bool { !diagnostics.contains { $0.severity == .error } }
    }

    public var plugins: PluginCatalog
    /// For `${VAR}` in the config.
    public var environment: [String: String]
    /// nil: not installed, `check` says it skipped it.
    public var luacheck: Luacheck?
    /// The keys a configured license must be signed with.
    public var licenseVerifier: LicenseVerifier

    public init(
        plugins: PluginCatalog, environment: [String: String] = ProcessInfo.processInfo.environment,
        luacheck: Luacheck? = Luacheck.find(environment: ProcessInfo.processInfo.environment),
        licenseVerifier: LicenseVerifier = .vendor
    ) {
        self.plugins = plugins
        self.licenseVerifier = licenseVerifier
        self.environment = environment
        self.luacheck = luacheck
    }

    /// ` (2 of them variants)`, or nothing for a catalog without variants.
    static func variantCount(_ catalog: Catalog) -> String {
        let variants = catalog.products.filter { $0.variantOf != nil }.count
        return variants == 0 ? "" : " (\(variants) of them variants)"
    }

    public func check(configPath: String, rulesDirectory: String? = nil) -> Report {
        var report = Report()
        let deployment: Deployment
        do {
            deployment = try Deployment.load(
                configPath: configPath, rulesDirectory: rulesDirectory, plugins: plugins, environment: environment,
                poolSize: 1, licenseVerifier: licenseVerifier)
        } catch {
            report.diagnostics += error.diagnostics
            return report
        }
        let configuration = deployment.configuration
        let catalog = deployment.catalog
        let rules = deployment.rules
        report.summary.append("\(configPath): ok")
        report.summary.append(
            "\(deployment.loaded.display(configuration.catalog.path)): \(catalog.products.count) products"
                + Self.variantCount(catalog))
        report.summary.append(
            "\(rulesDirectory ?? deployment.loaded.display(configuration.rules.directory)) (\(rules.version.prefix(19))…): "
                + "\(rules.intents.intents.count) intents, \(rules.forbidden.entries.count) forbidden entries, "
                + "\(rules.templates.texts.count - rules.faq.entries.count) templates, "
                + "\(rules.faq.entries.count) FAQ entries, \(rules.sources.libraries.count) libraries")
        report.summary.append(
            deployment.channels.checkSummary(
                tier: configuration.channels.whatsapp.portfolioTier,
                rulesDirectory: rulesDirectory ?? deployment.loaded.display(configuration.rules.directory)))
        if let verified = deployment.license, let file = configuration.license.file {
            let license = verified.license
            let status = deployment.licenseSummary(at: SystemClock().now()).status
            let limits = license.limits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            report.summary.append(
                "\(deployment.loaded.display(file)): \(license.id) for \(license.licensee), key \(verified.keyID), "
                    + "\(status) (expires \(license.expires))"
                    + (limits.isEmpty ? "" : ", limits: \(limits.joined(separator: ", "))"))
        }

        let failures = deployment.sampleDiagnostics()
        report.diagnostics += failures
        let passed =
            SampleContexts.all(catalog: catalog, configuration: configuration, faq: rules.faq.ids).count
            - failures.count
        report.summary.append("decide(ctx): \(passed) samples returned valid decisions")
        staticChecks(rules, configuration: configuration, into: &report)
        checkShadow(deployment, into: &report)
        return report
    }

    /// The built-in literal checks, then luacheck when it is installed.
    func staticChecks(_ rules: RuleSet, configuration: SellifyConfiguration, into report: inout Report) {
        let lint = RuleLint(vocabulary: .init(rules: rules, configuration: configuration)).check(rules.sources)
        report.summary.append(
            "static checks: \(lint.literals) names of states, templates, intents, actions… in \(lint.files) files, all known"
        )
        var found = lint.diagnostics
        defer {
            // One list in file order, whichever check found what.
            report.diagnostics += found.enumerated().sorted { a, b in
                let x = a.element.location
                let y = b.element.location
                let kx = (x?.file ?? "", x?.line ?? 0, x?.column ?? 0)
                let ky = (y?.file ?? "", y?.line ?? 0, y?.column ?? 0)
                return kx != ky ? kx < ky : a.offset < b.offset
            }.map(\.element)
        }
        guard let luacheck else {
            found.append(Luacheck.skippedNote)
            return
        }
        let globals: LuaValue
        do {
            globals = try LuaState().sandboxGlobals()
        } catch {
            found.append(Diagnostic("luacheck not run: cannot read the sandbox's globals: \(error)"))
            return
        }
        let result = luacheck.check(rules.sources, globals: globals)
        found += result.diagnostics
        let warnings = result.diagnostics.count
        report.summary.append("luacheck: \(result.files) files, \(warnings) warning\(warnings == 1 ? "" : "s")")
    }
}

extension Deployment {
    /// Runs `decide` on every built-in sample context; one diagnostic per
    /// sample that fails (what `sellify check` and a reload both require).
    public func sampleDiagnostics() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for sample in SampleContexts.all(catalog: catalog, configuration: configuration, faq: rules.faq.ids) {
            do {
                _ = try rules.decide(sample.context)
            } catch {
                var diagnostic = Diagnostic(error)
                diagnostic.message += " (sample '\(sample.name)')"
                diagnostics.append(diagnostic)
            }
        }
        return diagnostics
    }
}
