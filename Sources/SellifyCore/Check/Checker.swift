public import Foundation
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
    public var environment: [String: String]

    public init(plugins: PluginCatalog, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.plugins = plugins
        self.environment = environment
    }

    public func check(configPath: String, rulesDirectory: String? = nil) -> Report {
        var report = Report()
        let loaded: LoadedConfiguration
        do {
            loaded = try LoadedConfiguration.load(path: configPath, environment: environment, plugins: plugins)
            report.summary.append("\(configPath): ok")
        } catch {
            report.diagnostics += error.diagnostics
            return report
        }
        let configuration = loaded.configuration

        var catalog: Catalog?
        let catalogDisplay = loaded.display(configuration.catalog.path)
        do {
            let decoded = try YAMLDecoder().decode(
                Catalog.self, contentsOf: loaded.resolve(configuration.catalog.path), displayName: catalogDisplay,
                environment: environment)
            let problems = decoded.validate().map { diagnostic in
                var d = diagnostic
                if d.location == nil { d.location = SourceLocation(file: catalogDisplay, line: 0) }
                return d
            }
            report.diagnostics += problems
            if problems.isEmpty {
                catalog = decoded
                report.summary.append("\(catalogDisplay): \(decoded.products.count) products")
            }
        } catch {
            report.diagnostics += error.diagnostics
        }

        let rulesConfigured = rulesDirectory ?? configuration.rules.directory
        let rulesDisplay = rulesDirectory ?? loaded.display(configuration.rules.directory)
        let sources: RuleSources
        do {
            sources = try RuleSources.read(
                directory: rulesDirectory ?? loaded.resolve(rulesConfigured), displayDirectory: rulesDisplay)
        } catch {
            report.diagnostics += error.diagnostics
            return report
        }
        guard let catalog else { return report }

        let rules: RuleSet
        do {
            rules = try RuleSet.compile(sources, catalog: catalog, configuration: configuration, poolSize: 1)
        } catch {
            report.diagnostics += error.diagnostics
            return report
        }
        report.summary.append(
            "\(rulesDisplay) (\(rules.version.prefix(19))…): \(rules.intents.intents.count) intents, "
                + "\(rules.forbidden.entries.count) forbidden entries, \(rules.templates.texts.count) templates, "
                + "\(sources.libraries.count) libraries")

        var passed = 0
        for sample in SampleContexts.all(catalog: catalog, configuration: configuration) {
            do {
                _ = try rules.decide(sample.context)
                passed += 1
            } catch {
                var diagnostic = Diagnostic(error)
                diagnostic.message += " (sample '\(sample.name)')"
                report.diagnostics.append(diagnostic)
            }
        }
        report.summary.append("decide(ctx): \(passed) samples returned valid decisions")
        return report
    }
}
