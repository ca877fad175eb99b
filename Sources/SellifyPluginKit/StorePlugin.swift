import Foundation
public import SellifyCore

/// What a store is opened with: the `store` section, paths resolved, the
/// audit keys that seal customer text, and whether the caller writes.
public struct StoreContext: Sendable {
    public var configuration: StoreConfiguration
    /// `store.path` resolved against the config file's folder.
    public var resolvedPath: String
    public var auditKeys: AuditKeyring
    /// The caller changes the store: it takes the store's writer lock.
    public var writer: Bool
    /// Resolves a path of the plugin's options against the config file's folder.
    public var resolve: @Sendable (String) -> String
    public init(
        configuration: StoreConfiguration, resolvedPath: String, auditKeys: AuditKeyring, writer: Bool,
        resolve: @escaping @Sendable (String) -> String = { $0 }
    ) {
        self.configuration = configuration
        self.resolvedPath = resolvedPath
        self.auditKeys = auditKeys
        self.writer = writer
        self.resolve = resolve
    }
}

/// The `store` plugin kind: where quotas, conversations, idempotency
/// records and the audit chain live. `store.type` names one.
public protocol StorePlugin: SellifyPlugin {
    static func openStore(
        _ configuration: Configuration, context: StoreContext
    ) throws(PluginError) -> any DecisionStore
}

/// An opened store with what the host needs beside it.
public struct OpenedStore: Sendable {
    public var store: any DecisionStore
    /// The store file's path (its folder holds the keys and the last good rules).
    public var path: String
    public var auditKeys: AuditKeyring
}

extension Deployment {
    /// Opens the store `store.type` names, with the audit keys (`audit.keys`,
    /// or the key file beside the store, created on the first start —
    /// `announce` is told). `path` overrides `store.path`.
    public func openStore(
        writer: Bool, path override: String? = nil, environment: [String: String],
        announce: (String) -> Void
    ) throws(PluginError) -> OpenedStore {
        let path = override ?? loaded.resolve(configuration.store.path)
        let keys = try auditKeys(storePath: path, environment: environment, announce: announce)
        let store = try plugins.openStore(
            configuration.store, loaded: loaded, auditKeys: keys, writer: writer, path: override)
        return OpenedStore(store: store, path: path, auditKeys: keys)
    }

    /// The audit keys: `audit.keys`, or the key file beside the store at
    /// `storePath` (created on the first start — `announce` is told).
    public func auditKeys(
        storePath path: String, environment: [String: String], announce: (String) -> Void
    ) throws(PluginError) -> AuditKeyring {
        let defaultFile = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("audit.key")
        do {
            let (keyring, created) = try AuditKeyring.load(
                configuration.audit, resolve: loaded.resolve, environment: environment, defaultKeyFile: defaultFile)
            if let created {
                announce(
                    "no audit key configured — created \(created) (mode 0600) to seal customer text in the "
                        + "audit log; back it up: without it those records cannot be read")
            }
            return keyring
        } catch {
            throw PluginError("\(loaded.path): \(error)")
        }
    }
}
