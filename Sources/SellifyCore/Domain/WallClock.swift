public import Foundation

/// Where the host reads the time of day. Only the edges read it — a request
/// as it arrives (its `decided_at`), a scheduler tick, a command run — and
/// hand the reading to the pipeline, which never reads a clock itself.
public protocol WallClock: Sendable {
    func now() -> Timestamp
}

/// The system's time of day, in whole milliseconds.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Timestamp { Timestamp(date: Date()) }
}

/// Always the same instant (tests, `--at`).
public struct FixedClock: WallClock {
    public var time: Timestamp
    public init(_ time: Timestamp) { self.time = time }
    public func now() -> Timestamp { time }
}

extension Timestamp {
    /// The instant of `date`, truncated to the millisecond.
    public init(date: Date) {
        self.init(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// The system's time of day. Edges only: the pipeline is given its time.
    public static func now() -> Timestamp { SystemClock().now() }
}
