import Dispatch
import Synchronization

/// A fixed set of Lua states compiled from the same sources. Each caller gets
/// a state of its own for the duration of `withState`, so concurrent callers
/// never share one (a Lua state is single-threaded). `State` is a `LuaState`
/// or a host type that wraps one together with what it resolved from it.
///
/// `withState` takes a synchronous closure and blocks while every state is
/// busy. That is deliberate: a rule call is microseconds of CPU and a holder
/// never suspends, so a waiter is released within one call; an async queue
/// would cost more than the wait it saves.
public final class LuaStatePool<State: Sendable>: Sendable {
    private let available: DispatchSemaphore
    private let free: Mutex<[State]>
    public let size: Int

    /// Creates `size` states with `make` (called in order 0..<size).
    public init(size: Int, make: (Int) throws -> State) rethrows {
        precondition(size > 0, "a pool needs at least one state")
        var states: [State] = []
        for index in 0..<size { states.append(try make(index)) }
        self.size = size
        self.free = Mutex(states)
        self.available = DispatchSemaphore(value: size)
    }

    /// Runs `body` with a state no other caller is using.
    public func withState<Result>(_ body: (State) throws -> Result) rethrows -> Result {
        available.wait()
        let state = free.withLock { $0.removeLast() }
        defer {
            free.withLock { $0.append(state) }
            available.signal()
        }
        return try body(state)
    }

    /// Runs `body` on every state in turn (e.g. to update the catalog).
    /// Waits until each state is free.
    public func forEachState(_ body: (State) throws -> Void) rethrows {
        for _ in 0..<size { available.wait() }
        defer { for _ in 0..<size { available.signal() } }
        let states = free.withLock { $0 }
        for state in states { try body(state) }
    }
}
