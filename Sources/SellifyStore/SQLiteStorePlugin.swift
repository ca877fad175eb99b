public import SellifyCore
public import SellifyPluginKit

/// `store.sqlite`: the embedded store — one SQLite file (`store.path`),
/// written by one process at a time (`synchronous: full` survives power loss).
public enum SQLiteStorePlugin: StorePlugin {
    public static let id = PluginID(kind: "store", name: "sqlite")

    /// No options beyond the `store` section's `path` and `synchronous`.
    public typealias Configuration = NoOptions

    public static func validate(_ configuration: Configuration) -> [String] { [] }

    public static func openStore(
        _ configuration: Configuration, context: StoreContext
    ) throws(PluginError) -> any DecisionStore {
        do {
            return try SQLiteStore(
                configuration: .init(
                    path: context.resolvedPath, synchronous: context.configuration.synchronous,
                    auditKeys: context.auditKeys,
                    exclusive: context.writer))
        } catch {
            throw PluginError("\(error)")
        }
    }
}
