public import Foundation
public import SellifyYAML

/// Config, catalog and compiled rules, loaded the way the server loads them.
public struct Deployment: Sendable {
    public var loaded: LoadedConfiguration
    public var catalog: Catalog
    public var rules: RuleSet
    /// The platforms' limits: the rules folder's `channels.yaml`, else the built-in copy.
    public var channels: ChannelPolicy
    /// The plugins this deployment was checked against (and builds its parts from).
    public var plugins: PluginCatalog
    /// The candidate `decide` of `rules/shadow/`, compared on live traffic, never enforced (nil: none).
    public var shadow: ShadowRules? = nil
    /// The verified `license.file` (nil: none configured — the community edition).
    public var license: VerifiedLicense? = nil
    /// The keys the license was checked with; a reload checks with the same.
    public var licenseVerifier: LicenseVerifier = .vendor

    public var configuration: SellifyConfiguration { loaded.configuration }

    /// Loads everything; every problem found is reported together.
    public static func load(
        configPath: String, rulesDirectory: String? = nil, plugins: PluginCatalog,
        environment: [String: String] = ProcessInfo.processInfo.environment, poolSize: Int? = nil,
        licenseVerifier: LicenseVerifier = .vendor
    ) throws(DiagnosticList) -> Deployment {
        let loaded = try LoadedConfiguration.load(path: configPath, environment: environment, plugins: plugins)
        let configuration = loaded.configuration
        var diagnostics: [Diagnostic] = []
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
            diagnostics += problems
            if problems.isEmpty { catalog = decoded }
        } catch {
            diagnostics += error.diagnostics
        }
        let rulesDisplay = rulesDirectory ?? loaded.display(configuration.rules.directory)
        let sources: RuleSources
        do {
            sources = try RuleSources.read(
                directory: rulesDirectory ?? loaded.resolve(configuration.rules.directory),
                displayDirectory: rulesDisplay)
        } catch {
            throw DiagnosticList(diagnostics + error.diagnostics)
        }
        // The channel limits need no catalog or Lua: their errors come with the others.
        var channels: ChannelPolicy?
        do {
            channels = try ChannelPolicy.load(
                sources.channels, configuration: configuration.channels, configFile: loaded.path)
        } catch {
            diagnostics += error.diagnostics
        }
        guard let catalog else { throw DiagnosticList(diagnostics) }
        let rules: RuleSet
        do {
            rules = try RuleSet.compile(
                sources, catalog: catalog, configuration: configuration, poolSize: poolSize,
                catalogDisplay: catalogDisplay)
        } catch {
            throw DiagnosticList(diagnostics + error.diagnostics)
        }
        let shadow: ShadowRules?
        do {
            shadow = try ShadowRules.load(
                sources, displayDirectory: rulesDisplay, catalog: catalog, configuration: configuration,
                poolSize: poolSize, catalogDisplay: catalogDisplay)
        } catch {
            throw DiagnosticList(diagnostics + error.diagnostics)
        }
        var license: VerifiedLicense?
        if let file = configuration.license.file {
            do {
                license = try Self.license(file, loaded: loaded, verifier: licenseVerifier)
            } catch {
                diagnostics.append(
                    Diagnostic(
                        location: configuration.license.location ?? SourceLocation(file: loaded.path, line: 0),
                        message: "license.file: \(error.message)"))
            }
        }
        guard let channels, diagnostics.isEmpty else { throw DiagnosticList(diagnostics) }
        return Deployment(
            loaded: loaded, catalog: catalog, rules: rules, channels: channels, plugins: plugins, shadow: shadow,
            license: license, licenseVerifier: licenseVerifier)
    }

    /// Reads and verifies the license file (signature, key id, account, issue
    /// time against the wall clock); expiry is the license status's business.
    static func license(
        _ file: String, loaded: LoadedConfiguration, verifier: LicenseVerifier
    ) throws(LicenseError) -> VerifiedLicense {
        let display = loaded.display(file)
        guard let data = FileManager.default.contents(atPath: loaded.resolve(file)) else {
            throw LicenseError(display, "cannot read the license file")
        }
        return try verifier.verify(
            Array(data), file: display, account: loaded.configuration.account.id, now: SystemClock().now())
    }
}
