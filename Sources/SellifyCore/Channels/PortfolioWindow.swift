/// WhatsApp's messaging limit, counted: the unique users that got a
/// business-initiated message in the rolling 24 hours before `now`. A user
/// already counted may always be sent to again; a new one only while fewer
/// than `ceiling` are counted. Pure: built from the sends it is given.
public struct PortfolioWindow: Sendable, Equatable {
    /// WhatsApp counts unique users over a moving 24 hours.
    public static let period = ConfigDuration(milliseconds: 24 * 3_600_000)

    /// Most unique users per period; nil when unlimited.
    public let ceiling: Int?
    /// The conversation ids counted now.
    public let counted: Set<String>

    /// A send counts while less than `period` has passed since it went out
    /// (one exactly 24 h old no longer does); one stamped after `now` (a clock
    /// ahead) counts, which errs on the side of the limit.
    public init(ceiling: Int?, sends: some Sequence<(conversationID: String, at: Timestamp)>, at now: Timestamp) {
        self.ceiling = ceiling
        var counted: Set<String> = []
        for send in sends where now.milliseconds - send.at.milliseconds < Self.period.milliseconds {
            counted.insert(send.conversationID)
        }
        self.counted = counted
    }

    public var uniqueUsers: Int { counted.count }

    /// Whether one more business-initiated message to `conversationID` stays
    /// within the limit.
    public func allows(_ conversationID: String) -> Bool {
        guard let ceiling else { return true }
        return counted.contains(conversationID) || counted.count < ceiling
    }

    /// New users that may still be sent to in this window; nil when unlimited.
    public var remainingNewUsers: Int? {
        ceiling.map { max(0, $0 - counted.count) }
    }
}
