/// One request as the simulator received it.
public struct ReceivedRequest: Sendable {
    public var method: String
    public var path: String
    /// Whether an `Authorization: Bearer` header came (the key itself is not kept).
    public var hadBearer: Bool
    public var organization: String?
    public var project: String?
    public var body: [UInt8]
}
