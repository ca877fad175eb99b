import SellifyLua

public enum SellifyVersion {
    /// The release version of this build.
    public static let current = "0.1.0"
    /// The embedded Lua, e.g. "Lua 5.4".
    public static var lua: String { LuaState.version }
}
