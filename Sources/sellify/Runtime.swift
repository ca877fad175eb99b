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

    static func store(for deployment: Deployment, path override: String?) throws -> SQLiteStore {
        let configuration = deployment.configuration
        if configuration.store.type != .sqlite && override == nil {
            printError("error: \(deployment.loaded.path): store.type: '\(configuration.store.type.rawValue)' is not available "
                + "in this build yet (planned as plugins/store-postgres); use 'sqlite'")
            throw ExitCode(setupFailure)
        }
        let path = override ?? deployment.loaded.resolve(configuration.store.path)
        do {
            return try SQLiteStore(configuration: .init(path: path, synchronous: configuration.store.synchronous))
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
