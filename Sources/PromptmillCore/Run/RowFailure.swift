/// An error for one row, as its output record shows it:
/// `error: {"type", "message", "status"}`.
public struct RowFailure: Error, Sendable, Equatable {
    public var type: String
    public var message: String
    /// The HTTP status, when an answer came; nil for timeouts and dropped connections.
    public var status: Int?
    /// The request parameter the API blamed (`error.param`), if any; not written to records.
    public var parameter: String?
    /// Only transient causes (rate limits, 5xx, timeouts, dropped connections) failed the
    /// row: it gets no record, stays pending, and the next run of the same command sends
    /// it again.
    public var transient: Bool
    /// What the row's share of a billed answer was (a content filter or a refusal withheld
    /// it); nil when nothing was billed. The record carries it and its cost.
    public var usage: TokenUsage?
    /// The answer broke the step's schema, or a packed answer lost or repeated the row: the
    /// row may be sent again (alone, up to `max_schema_retries`; by halves while packed).
    public var sendAgain: Bool

    public init(
        type: String, message: String, status: Int?, parameter: String? = nil, transient: Bool = false, usage: TokenUsage? = nil,
        sendAgain: Bool = false
    ) {
        self.type = type
        self.message = message
        self.status = status
        self.parameter = parameter
        self.transient = transient
        self.usage = usage
        self.sendAgain = sendAgain
    }

    /// The same refusal: status, type and message alike (the blamed parameter aside).
    func sameRefusal(as other: RowFailure) -> Bool {
        status == other.status && type == other.type && message == other.message
    }
}
