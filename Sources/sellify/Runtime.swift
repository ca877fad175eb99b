import ArgumentParser
import Foundation
import SellifyCore
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

    /// `writer`: the command changes the store, so it takes the store's writer
    /// lock (a second writer — e.g. a second `serve` — is refused, naming the holder).
    static func store(
        for deployment: Deployment, path override: String?, writer: Bool = false,
        announce: (String) -> Void = { printError("sellify: " + $0) }
    ) throws -> SQLiteStore {
        let configuration = deployment.configuration
        if configuration.store.type != .sqlite && override == nil {
            printError("error: \(deployment.loaded.path): store.type: '\(configuration.store.type.rawValue)' is not available "
                + "in this build yet (planned as plugins/store-postgres); use 'sqlite'")
            throw ExitCode(setupFailure)
        }
        let path = override ?? deployment.loaded.resolve(configuration.store.path)
        let keys = try auditKeys(for: deployment, storePath: path, announce: announce)
        do {
            return try SQLiteStore(configuration: .init(
                path: path, synchronous: configuration.store.synchronous, auditKeys: keys, exclusive: writer))
        } catch {
            printError("error: \(error)")
            throw ExitCode(setupFailure)
        }
    }
}

extension Runtime {
    /// `audit.keys`, or the key file beside the store (created on the first start).
    static func auditKeys(for deployment: Deployment, storePath: String, announce: (String) -> Void) throws -> AuditKeyring {
        let defaultFile = ((storePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("audit.key")
        do {
            let (keyring, created) = try AuditKeyring.load(
                deployment.configuration.audit, resolve: deployment.loaded.resolve,
                environment: ProcessInfo.processInfo.environment, defaultKeyFile: defaultFile)
            if let created {
                announce("no audit key configured — created \(created) (mode 0600) to seal customer text in the "
                    + "audit log; back it up: without it those records cannot be read")
            }
            return keyring
        } catch {
            printError("error: \(deployment.loaded.path): \(error)")
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
