import Crypto
import Foundation
public import SellifyYAML

/// The files of a rules folder, read once: what a compiled rule set and its
/// version are made from. Reading happens here and only here, so a reload
/// compiles exactly the bytes it hashed.
public struct RuleSources: Sendable {
    public struct File: Sendable, Equatable {
        /// Path shown in errors, e.g. `rules/decision.lua`.
        public var displayPath: String
        /// Path relative to the rules folder, e.g. `lib/text.lua`.
        public var relativePath: String
        public var source: String

        /// The 1-based line of the first occurrence of a string literal with
        /// this value (`"Reply"` or `'Reply'`), to point errors about returned
        /// values at the code that produced them.
        public func line(ofLiteral value: String) -> Int? {
            for quote in ["\"", "'"] {
                if let range = source.range(of: quote + value + quote) { return line(at: range.lowerBound) }
            }
            return nil
        }

        /// The 1-based line of the first table field written `key = …`.
        public func line(ofField key: String) -> Int? {
            var searchFrom = source.startIndex
            while let range = source.range(of: key, range: searchFrom..<source.endIndex) {
                searchFrom = range.upperBound
                let before =
                    range.lowerBound == source.startIndex ? " " : source[source.index(before: range.lowerBound)]
                guard !(before.isLetter || before.isNumber || before == "_" || before == ".") else { continue }
                let rest = source[range.upperBound...].drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") && !rest.hasPrefix("==") { return line(at: range.lowerBound) }
            }
            return nil
        }

        private func line(at index: String.Index) -> Int {
            source[..<index].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        }
    }

    public static let decisionFile = "decision.lua"
    public static let intentsFile = "intents.lua"
    public static let forbiddenWordsFile = "forbidden_words.lua"
    public static let templatesFile = "templates.yaml"
    /// Optional: without it the built-in channel limits apply (`ChannelPolicy.builtIn`).
    public static let channelsFile = "channels.yaml"
    /// Optional: without it no message matches an FAQ entry (`ctx.faq` is nil).
    public static let faqFile = "faq.yaml"
    /// Optional: the system prompt of AI-worded answers (without it, a built-in one).
    public static let aiPromptFile = "ai_prompt.md"
    public static let libraryFolder = "lib"

    /// The folder as configured (absolute or relative to the working directory).
    public var directory: String
    public var decision: File
    public var intents: File
    public var forbiddenWords: File
    public var templates: File
    /// `channels.yaml`, when the folder has one.
    public var channels: File?
    /// `faq.yaml`, when the folder has one.
    public var faq: File?
    /// `ai_prompt.md`, when the folder has one.
    public var aiPrompt: File? = nil
    /// `rules/lib/*.lua`, sorted by path; `require "name"` loads `lib/name.lua`.
    public var libraries: [File]

    /// `sha256:<hex>` over every file's relative path and bytes, in path order.
    public var version: String {
        var hasher = SHA256()
        for file in allFiles.sorted(by: { $0.relativePath < $1.relativePath }) {
            hasher.update(data: Data(file.relativePath.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: Data(String(file.source.utf8.count).utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: Data(file.source.utf8))
        }
        return "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public var allFiles: [File] {
        [decision, intents, forbiddenWords, templates] + (channels.map { [$0] } ?? []) + (faq.map { [$0] } ?? [])
            + (aiPrompt.map { [$0] } ?? []) + libraries
    }

    /// Reads the folder. `displayDirectory` is how paths appear in errors
    /// (the folder as written in the config, e.g. `rules`).
    public static func read(directory: String, displayDirectory: String) throws(DiagnosticList) -> RuleSources {
        var diagnostics: [Diagnostic] = []
        let realDirectory = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        func read(_ relative: String) -> File? {
            let display = displayDirectory.isEmpty ? relative : "\(displayDirectory)/\(relative)"
            let path = (directory as NSString).appendingPathComponent(relative)
            // A symbolic link may point within the rules folder (as Kubernetes
            // ConfigMap volumes do), never outside it: rules must not read other files.
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard real.hasPrefix(realDirectory + "/") else {
                diagnostics.append(
                    Diagnostic(
                        "the file is a symbolic link to '\(real)', outside the rules folder",
                        at: SourceLocation(file: display, line: 0),
                        hint: "copy the file into the rules folder"))
                return nil
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "file not found"
                diagnostics.append(Diagnostic("\(reason)", at: SourceLocation(file: display, line: 0)))
                return nil
            }
            guard let source = String(data: data, encoding: .utf8) else {
                diagnostics.append(
                    Diagnostic("the file is not valid UTF-8", at: SourceLocation(file: display, line: 0)))
                return nil
            }
            return File(displayPath: display, relativePath: relative, source: source)
        }

        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DiagnosticList([Diagnostic("rules folder '\(displayDirectory)' not found (rules.directory)")])
        }
        let decision = read(decisionFile)
        let intents = read(intentsFile)
        let forbidden = read(forbiddenWordsFile)
        let templates = read(templatesFile)
        // Optional, but a link by that name that points nowhere or outside the
        // folder is reported by read(), not taken for an absent file.
        func readIfPresent(_ relative: String) -> File? {
            let path = (directory as NSString).appendingPathComponent(relative)
            let present =
                FileManager.default.fileExists(atPath: path)
                || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
            return present ? read(relative) : nil
        }
        let channels = readIfPresent(channelsFile)
        let faq = readIfPresent(faqFile)
        var libraries: [File] = []
        let libraryPath = (directory as NSString).appendingPathComponent(libraryFolder)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: libraryPath) {
            for name in names.sorted() where name.hasSuffix(".lua") && !name.hasPrefix(".") {
                if let file = read("\(libraryFolder)/\(name)") { libraries.append(file) }
            }
        }
        guard let decision, let intents, let forbidden, let templates, diagnostics.isEmpty else {
            throw DiagnosticList(diagnostics)
        }
        var sources = RuleSources(
            directory: directory, decision: decision, intents: intents, forbiddenWords: forbidden,
            templates: templates, channels: channels, faq: faq, libraries: libraries)
        sources.aiPrompt = readIfPresent(aiPromptFile)
        return sources
    }

    /// The module name `require` uses for a library file: `lib/text.lua` → `text`.
    static func moduleName(_ file: File) -> String {
        String(file.relativePath.dropFirst(libraryFolder.count + 1).dropLast(4))
    }
}
