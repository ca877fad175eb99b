import Crypto
import Foundation
public import SellifyLua
public import SellifyYAML

/// A candidate policy: `rules/shadow/decision.lua`, run beside the enforced
/// `decide(ctx)` on the same ctx, compared, recorded and never enforced.
///
/// Only `decide` differs: the candidate is compiled as the enforced folder
/// with this file as its `decision.lua` — the same `rules/lib` modules,
/// intents, templates, forbidden words, catalog, sandbox limits and decision
/// contract — into a pool of its own. Its `version` is therefore the rules
/// version the folder will have once the candidate is promoted (moved over
/// `rules/decision.lua`); the enforced `rules_version` never includes it.
public final class ShadowRules: Sendable {
    /// The folder inside the rules folder.
    public static let folder = "shadow"

    /// `rules/shadow/decision.lua` as read (relative path `shadow/decision.lua`).
    public let file: RuleSources.File
    /// The candidate, compiled like the enforced rules.
    public let rules: RuleSet
    /// SHA-256 (hex) of the file's bytes.
    public let sha256: String

    /// `sha256:…`: the rules version after promotion.
    public var version: String { rules.version }

    init(file: RuleSources.File, rules: RuleSet) {
        self.file = file
        self.rules = rules
        sha256 = SHA256.hash(data: Array(file.source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Reads and compiles the shadow of `sources`' folder; nil when the folder
    /// has no `shadow/decision.lua` (no shadow: nothing is compiled or run).
    public static func load(
        _ sources: RuleSources, displayDirectory: String, catalog: Catalog, configuration: SellifyConfiguration,
        poolSize: Int? = nil, catalogDisplay: String = "catalog.yaml"
    ) throws(DiagnosticList) -> ShadowRules? {
        guard let file = try read(directory: sources.directory, displayDirectory: displayDirectory) else { return nil }
        var candidate = sources
        // Named `decision.lua` inside the candidate, so its version is the
        // promoted folder's; errors still name `rules/shadow/decision.lua`.
        candidate.decision = RuleSources.File(
            displayPath: file.displayPath, relativePath: RuleSources.decisionFile, source: file.source)
        let rules = try RuleSet.compile(
            candidate, catalog: catalog, configuration: configuration, poolSize: poolSize,
            catalogDisplay: catalogDisplay)
        return ShadowRules(file: file, rules: rules)
    }

    /// The candidate's `decide(ctx)`, checked against the same contract. What
    /// it logs or counts is dropped: the shadow moves no rule-defined metric
    /// and writes no log line, whatever it calls.
    public func decide(_ context: LuaValue) -> Result<PolicyDecision, LuaError> {
        do {
            return .success(try rules.decide(context).0)
        } catch {
            return .failure(error)
        }
    }

    /// `shadow/decision.lua`, or nil when there is none (no folder, or an empty
    /// one — what a promotion by `mv` leaves behind). Any other rule file in the
    /// folder is an error: the shadow replaces `decide` only, so a candidate
    /// `intents.lua` would silently do nothing.
    static func read(directory: String, displayDirectory: String) throws(DiagnosticList) -> RuleSources.File? {
        let fileManager = FileManager.default
        let folder = (directory as NSString).appendingPathComponent(folder)
        let displayFolder = displayDirectory.isEmpty ? Self.folder : "\(displayDirectory)/\(Self.folder)"
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: folder, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else {
            throw DiagnosticList([
                Diagnostic(
                    "'\(Self.folder)' is a file; shadow rules are a folder holding a candidate decision.lua",
                    at: SourceLocation(file: displayFolder, line: 0))
            ])
        }
        var diagnostics: [Diagnostic] = []
        let names = ((try? fileManager.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for name in names where !name.hasPrefix(".") && name != RuleSources.decisionFile {
            var entryIsDirectory: ObjCBool = false
            _ = fileManager.fileExists(
                atPath: (folder as NSString).appendingPathComponent(name), isDirectory: &entryIsDirectory)
            let ruleFile = [".lua", ".yaml", ".yml"].contains { name.hasSuffix($0) }
            guard ruleFile || entryIsDirectory.boolValue else { continue }
            diagnostics.append(
                Diagnostic(
                    "the shadow folder holds only a candidate \(RuleSources.decisionFile); '\(name)' would be ignored",
                    at: SourceLocation(file: "\(displayFolder)/\(name)", line: 0),
                    hint:
                        "intents, templates, forbidden words, channels and \(RuleSources.libraryFolder)/ are the enforced ones; move it out of \(displayFolder)"
                ))
        }
        let path = (folder as NSString).appendingPathComponent(RuleSources.decisionFile)
        let display = "\(displayFolder)/\(RuleSources.decisionFile)"
        let isLink = (try? fileManager.destinationOfSymbolicLink(atPath: path)) != nil
        guard fileManager.fileExists(atPath: path) || isLink else {
            guard diagnostics.isEmpty else { throw DiagnosticList(diagnostics) }
            return nil
        }
        // Like the enforced files: a link may point within the rules folder, never outside it.
        let realDirectory = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var source: String?
        if !real.hasPrefix(realDirectory + "/") {
            diagnostics.append(
                Diagnostic(
                    "the file is a symbolic link to '\(real)', outside the rules folder",
                    at: SourceLocation(file: display, line: 0), hint: "copy the file into the rules folder"))
        } else if let data = fileManager.contents(atPath: path) {
            source = String(data: data, encoding: .utf8)
            if source == nil {
                diagnostics.append(
                    Diagnostic("the file is not valid UTF-8", at: SourceLocation(file: display, line: 0)))
            }
        } else {
            let reason = fileManager.fileExists(atPath: path) ? "cannot read the file" : "file not found"
            diagnostics.append(Diagnostic(reason, at: SourceLocation(file: display, line: 0)))
        }
        guard let source, diagnostics.isEmpty else { throw DiagnosticList(diagnostics) }
        return RuleSources.File(
            displayPath: display, relativePath: "\(Self.folder)/\(RuleSources.decisionFile)", source: source)
    }
}
