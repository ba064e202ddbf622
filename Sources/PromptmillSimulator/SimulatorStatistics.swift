/// What the simulator has seen and answered.
public struct SimulatorStatistics: Sendable, Equatable {
    public var requests = 0
    /// Answers by HTTP status (dropped connections are not answers).
    public var byStatus: [Int: Int] = [:]
    public var rateLimited = 0
    public var dropped = 0
    /// Bodies cut off or stalled halfway.
    public var truncated = 0
    /// Usage of the live 200 answers that were delivered whole (batch lines: `batches`).
    public var promptTokens = 0
    public var completionTokens = 0
    /// The most requests being answered at once (received, reply not yet sent).
    public var peakInFlight = 0
    /// Admitted and refused requests by model (requests the simulator could parse).
    public var byModel: [String: SimulatorModelStatistics] = [:]
    /// The Batch API's batches and lines.
    public var batches = SimulatorBatchStatistics()
    /// Flex requests answered 429 `resource_unavailable` (also in `byStatus[429]` and `rateLimited`).
    public var flexUnavailable = 0
}
