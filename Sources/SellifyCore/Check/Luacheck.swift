import Foundation
public import SellifyLua
public import SellifyYAML

/// luacheck (Debian `lua-check`) over the rule files, configured for the
/// sandbox: its standard globals are exactly what rule code can read (taken
/// from a live sandbox, `LuaState.sandboxGlobals`), each file may define its
/// own globals at the top level (they are frozen after loading, as the
/// sandbox does), and the globals the host reads (`decide`, `intents`, …) are
/// not "unused". `sellify check` runs it when it is on PATH.
///
/// Warnings that are bugs at run time — reading an undefined global (a
/// misspelled helper), writing a global after load, writing a read-only
/// library, a library field that does not exist — are errors; the rest
/// (unused variables, shadowing, unreachable code) are warnings.
public struct Luacheck: Sendable {
    public var executable: String

    public init(executable: String) {
        self.executable = executable
    }

    /// luacheck from `PATH` in `environment`, or nil when it is not installed.
    public static func find(environment: [String: String]) -> Luacheck? {
        for directory in (environment["PATH"] ?? "").split(separator: ":") where !directory.isEmpty {
            let path = (String(directory) as NSString).appendingPathComponent("luacheck")
            if FileManager.default.isExecutableFile(atPath: path) { return Luacheck(executable: path) }
        }
        return nil
    }

    /// The note `sellify check` prints when luacheck is not installed.
    public static let skippedNote = Diagnostic(
        "luacheck is not installed (not found on PATH): skipped its checks of the rules", severity: .note,
        hint: "install it to catch undefined globals and unused variables: apt-get install lua-check")

    /// Codes that fail the check; see the type's comment.
    static let errorCodes: Set<String> = ["111", "112", "113", "121", "122", "142", "143"]

    /// The globals the host reads from each file; luacheck would call them unused.
    static let hostGlobals: [String: [String]] = [
        RuleSources.decisionFile: ["decide"],
        RuleSources.intentsFile: ["intents", "media", "languages"],
        RuleSources.forbiddenWordsFile: ["forbidden", "check"],
    ]

    public struct Result: Sendable {
        public var diagnostics: [Diagnostic]
        /// The Lua files checked.
        public var files: Int
    }

    /// Runs luacheck on a copy of the files' exact bytes (what was compiled),
    /// in a temporary folder with the generated configuration.
    public func check(_ sources: RuleSources, globals: LuaValue) -> Result {
        let files = sources.allFiles.filter { $0.relativePath.hasSuffix(".lua") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sellify-luacheck-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent(".out")
        let errors = folder.appendingPathComponent(".err")
        let process = Process()
        do {
            for file in files {
                let url = folder.appendingPathComponent(file.relativePath)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.source.utf8).write(to: url)
            }
            try Data(Self.configuration(globals: globals).utf8).write(to: folder.appendingPathComponent(".luacheckrc"))
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments =
                ["--config", ".luacheckrc", "--formatter", "plain", "--codes", "--no-color", "--no-cache", "--"]
                + files.map(\.relativePath)
            process.currentDirectoryURL = folder
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
        } catch {
            return Result(
                diagnostics: [Diagnostic("cannot run luacheck (\(executable)): \(error.localizedDescription)")],
                files: 0)
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        // 0: clean, 1: warnings, 2: syntax errors; 3 and 4: it could not check.
        guard process.terminationReason == .exit, process.terminationStatus <= 2 else {
            let detail = (stderr + stdout).trimmingCharacters(in: .whitespacesAndNewlines)
            return Result(
                diagnostics: [Diagnostic("luacheck failed (exit \(process.terminationStatus)): \(detail)")],
                files: files.count)
        }
        var byPath: [String: RuleSources.File] = [:]
        for file in files { byPath[file.relativePath] = file }
        return Result(diagnostics: Self.diagnostics(from: stdout, files: byPath, globals: globals), files: files.count)
    }

    /// A `.luacheckrc` (Lua) for the sandbox.
    static func configuration(globals: LuaValue) -> String {
        func quoted(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case _ where scalar.value < 0x20: out += "\\\(scalar.value)"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        func definitions(_ table: LuaTable, indent: String) -> String {
            table.fields.sorted { $0.key < $1.key }.map { field in
                if case .table(let inner) = field.value, !inner.fields.isEmpty {
                    return
                        "\(indent)[\(quoted(field.key))] = { fields = {\n\(definitions(inner, indent: indent + "  "))\n\(indent)} },"
                }
                return "\(indent)[\(quoted(field.key))] = {},"
            }.joined(separator: "\n")
        }
        var text = """
            -- Generated by `sellify check`: the globals rule code can read in the sandbox.
            std = "sellify"
            stds.sellify = { read_globals = {
            \(definitions(globals.tableValue ?? LuaTable(), indent: "  "))
            } }
            -- Top-level code may define a file's globals; they are frozen after it loads.
            allow_defined_top = true
            max_line_length = false
            -- The host's entry points receive ctx whether or not they read it.
            ignore = { "212/ctx" }

            """
        for (file, names) in hostGlobals.sorted(by: { $0.key < $1.key }) {
            let patterns = names.map { quoted("131/" + $0) }.joined(separator: ", ")
            text += "files[\(quoted(file))] = { ignore = { \(patterns) } }\n"
        }
        return text
    }

    /// Parses `path:line:column: (W113) message` lines.
    static func diagnostics(from output: String, files: [String: RuleSources.File], globals: LuaValue) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var declared: [String: Set<String>] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, let lineNumber = Int(parts[1]), let column = Int(parts[2]) else { continue }
            let rest = parts[3].drop { $0 == " " }
            guard rest.hasPrefix("("), let close = rest.firstIndex(of: ")") else { continue }
            let tag = rest[rest.index(after: rest.startIndex)..<close]  // W113, E011
            let code = String(tag.dropFirst())
            let message = String(rest[rest.index(after: close)...].drop { $0 == " " })
            let path = String(parts[0])
            let file = files[path]
            let isError = tag.hasPrefix("E") || errorCodes.contains(code)
            var hint = "luacheck \(tag)"
            if let suggestion = suggestion(
                code: code, message: message, globals: globals,
                declared: {
                    if let cached = declared[path] { return cached }
                    let names = file.map { RuleLint.declaredNames(in: $0.source) } ?? []
                    declared[path] = names
                    return names
                })
            {
                hint += "; did you mean '\(suggestion)'?"
            }
            diagnostics.append(
                Diagnostic(
                    message, at: SourceLocation(file: file?.displayPath ?? path, line: lineNumber, column: column),
                    severity: isError ? .error : .warning, hint: hint))
        }
        return diagnostics
    }

    /// "did you mean" for an undefined variable (among the file's names and
    /// the sandbox's globals) or an undefined library field.
    private static func suggestion(
        code: String, message: String, globals: LuaValue, declared: () -> Set<String>
    ) -> String? {
        let quotedParts = message.split(separator: "'", omittingEmptySubsequences: false)
        guard quotedParts.count >= 3 else { return nil }
        let sandbox = globals.tableValue?.fields.map(\.key) ?? []
        switch code {
        case "113":
            // accessing undefined variable 'advnce'; very short names have too many neighbours to guess.
            let name = String(quotedParts[1])
            guard name.count >= 3 else { return nil }
            return Suggestions.closest(
                to: name, in: Array(declared().union(sandbox)).filter { $0 != name && $0.count >= 3 })
        case "143":
            // accessing undefined field 'catalog.fnd' of global 'sellify'
            guard quotedParts.count >= 5 else { return nil }
            var path = quotedParts[1].split(separator: ".").map(String.init)
            let field = path.removeLast()
            let global = String(quotedParts[3])
            var table = globals.tableValue?[global].tableValue
            for step in path { table = table?[step].tableValue }
            guard let candidates = table?.fields.map(\.key) else { return nil }
            return Suggestions.closest(to: field, in: candidates).map {
                ([global] + path + [$0]).joined(separator: ".")
            }
        default:
            return nil
        }
    }
}
