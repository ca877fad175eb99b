import ArgumentParser
import Foundation
import SellifyCore
import SellifyPluginKit
import SellifyPlugins
import SellifyStore
import SellifyYAML

/// Loading shared by the commands: a deployment and its store, with
/// diagnostics printed compiler-style and a clean exit code on failure.
enum Runtime {
    /// Exit status for "could not even start" (bad config, rules, store).
    static let setupFailure: Int32 = 2

    static func deployment(configPath: String, poolSize: Int? = nil) throws -> Deployment {
        do {
            return try Deployment.load(configPath: configPath, plugins: .builtin, poolSize: poolSize)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(setupFailure)
        }
    }

    /// `announce` gets first-start notes (a created key file); stderr by default.
    /// The configuration alone (for commands that handle broken rules themselves).
    static func configuration(configPath: String) throws -> LoadedConfiguration {
        do {
            return try LoadedConfiguration.load(
                path: configPath, environment: ProcessInfo.processInfo.environment, plugins: .builtin)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(setupFailure)
        }
    }

    /// The store `store.type` names (`path` overrides `store.path`).
    /// `writer`: the command changes the store, so it takes the store's writer
    /// lock (a second writer — e.g. a second `serve` — is refused, naming the holder).
    static func store(
        for deployment: Deployment, path override: String?, writer: Bool = false,
        announce: (String) -> Void = { printError("sellify: " + $0) }
    ) throws -> any DecisionStore {
        try openedStore(for: deployment, path: override, writer: writer, announce: announce).store
    }

    /// The same with its path and audit keys.
    static func openedStore(
        for deployment: Deployment, path override: String?, writer: Bool = false,
        announce: (String) -> Void = { printError("sellify: " + $0) }
    ) throws -> OpenedStore {
        do {
            return try deployment.openStore(
                writer: writer, path: override, environment: ProcessInfo.processInfo.environment, announce: announce)
        } catch {
            printError("error: \(error)")
            throw ExitCode(setupFailure)
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func printOutput(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes + [0x0A]))
}
