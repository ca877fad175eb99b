import Foundation

/// A stage's name as it appears in metrics, traces and errors (`rate_limit`).
public struct StageName: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public static let normalizer: StageName = "normalizer"
    public static let intent: StageName = "intent"
    public static let conversation: StageName = "conversation"
    public static let quota: StageName = "quota"
    public static let rateLimit: StageName = "rate_limit"
    public static let decision: StageName = "decision"
    public static let response: StageName = "response"
    public static let validation: StageName = "validation"
    public static let audit: StageName = "audit"
    public static let alert: StageName = "alert"

    /// Every stage, in pipeline order (bounded label values for metrics).
    public static let all: [StageName] = [
        .normalizer, .intent, .conversation, .quota, .rateLimit, .decision, .response, .validation, .audit, .alert,
    ]
}

/// What a stage reports: a typed result whose `label` is a metric label
/// from a small fixed set (`price_question`, `exhausted`, `RespondText`…).
public protocol StageOutcome: Sendable {
    var label: String { get }
}

/// One step of the decision pipeline. Stages hold no metrics code: the runner
/// times them and tells the hooks.
public protocol PipelineStage: Sendable {
    associatedtype Outcome: StageOutcome
    var name: StageName { get }
    /// Does the stage's work on the request and says how it went.
    func run(_ request: inout DecisionRequest) throws -> Outcome
}

/// Observes stages: the metrics module is one subscriber, the trace another.
public protocol StageHook: Sendable {
    func stageFinished(_ stage: StageName, outcome: String, nanoseconds: UInt64)
    func stageFailed(_ stage: StageName, error: any Error, nanoseconds: UInt64)
}

/// The clock stages are timed with. Timing feeds metrics and traces only —
/// never a decision.
public protocol PipelineClock: Sendable {
    func nanoseconds() -> UInt64
}

/// The system's monotonic clock.
public struct MonotonicClock: PipelineClock {
    public init() {}
    public func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// A stage that failed: which one and why.
public struct StageFailure: Error, Sendable, CustomStringConvertible {
    public var stage: StageName
    public var underlying: any Error & Sendable
    public var description: String { "stage '\(stage)' failed: \(underlying)" }
}

/// Runs stages in order with the hooks; collects a trace when asked.
public struct StageRunner: Sendable {
    public var stages: [any PipelineStage]
    public var hooks: [any StageHook]
    public var clock: any PipelineClock

    public init(stages: [any PipelineStage], hooks: [any StageHook] = [], clock: any PipelineClock = MonotonicClock()) {
        self.stages = stages
        self.hooks = hooks
        self.clock = clock
    }

    /// Runs every stage; the first failure stops the run and is thrown.
    public func run(_ request: inout DecisionRequest, trace: inout [Decision.TraceEntry]?) throws(StageFailure) {
        for stage in stages {
            let start = clock.nanoseconds()
            do {
                let outcome = try stage.run(&request).label
                let elapsed = clock.nanoseconds() &- start
                for hook in hooks { hook.stageFinished(stage.name, outcome: outcome, nanoseconds: elapsed) }
                trace?.append(.init(stage: stage.name.rawValue, outcome: outcome, micros: Int(elapsed / 1000)))
            } catch {
                let elapsed = clock.nanoseconds() &- start
                for hook in hooks { hook.stageFailed(stage.name, error: error, nanoseconds: elapsed) }
                trace?.append(.init(stage: stage.name.rawValue, outcome: "error", micros: Int(elapsed / 1000)))
                throw StageFailure(stage: stage.name, underlying: SendableError(error))
            }
        }
    }
}

/// Carries any error across concurrency domains by its description.
struct SendableError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) {
        if let error = error as? SendableError {
            self = error
            return
        }
        description = "\(error)"
    }
}
