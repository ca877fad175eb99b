/// Budgets that bound what one rule call can cost. Exceeding any of them is a
/// `LuaError` for that call; the state stays usable.
public struct LuaLimits: Sendable, Equatable {
    /// Lua VM instructions one call may run (0 = unlimited). Counted by a
    /// count hook, so an overrun happens at the same instruction on every
    /// machine: the budget is deterministic, unlike a deadline.
    public var instructionBudget: Int
    /// Bytes one Lua state may hold (0 = unlimited); allocations past it fail
    /// inside the call with a memory error.
    public var memoryLimitBytes: Int
    /// Steps one `string.find/match/gmatch/gsub` call may take (0 = unlimited).
    /// The count hook does not fire inside C functions, so pattern matching
    /// needs a budget of its own.
    public var patternStepBudget: Int
    /// Instructions between two checks of the budget.
    public var hookGranularity: Int
    /// Wall time one call may take, in milliseconds (0 = none). A backstop, not
    /// a budget: checked with the instruction budget, it stops a call that
    /// something other than its instruction count made slow. Unlike the budget
    /// it depends on the machine, so it should sit far above any real call.
    public var deadlineMilliseconds: Int

    public init(
        instructionBudget: Int = 1_000_000,
        memoryLimitBytes: Int = 32 << 20,
        patternStepBudget: Int = 1_000_000,
        hookGranularity: Int = 1000,
        deadlineMilliseconds: Int = 1000
    ) {
        self.instructionBudget = instructionBudget
        self.memoryLimitBytes = memoryLimitBytes
        self.patternStepBudget = patternStepBudget
        self.hookGranularity = hookGranularity
        self.deadlineMilliseconds = deadlineMilliseconds
    }
}
