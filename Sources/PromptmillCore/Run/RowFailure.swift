/// A permanent error for one row, as its output record shows it:
/// `error: {"type", "message", "status"}`.
public struct RowFailure: Error, Sendable, Equatable {
    public var type: String
    public var message: String
    /// The HTTP status, when an answer came; nil for timeouts and dropped connections.
    public var status: Int?
    /// The request parameter the API blamed (`error.param`), if any; not written to records.
    public var parameter: String?

    public init(type: String, message: String, status: Int?, parameter: String? = nil) {
        self.type = type
        self.message = message
        self.status = status
        self.parameter = parameter
    }
}
