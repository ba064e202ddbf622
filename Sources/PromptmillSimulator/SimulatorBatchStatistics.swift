/// What the simulator's Batch API created and did: the figures a test needs to check that no
/// line was paid twice and no batch was sent twice.
public struct SimulatorBatchStatistics: Sendable, Equatable {
    /// Batches created (`POST /v1/batches` answered 200), whatever became of them.
    public var created = 0
    /// Batches that ended `failed` (validation, or the enqueued-token limit).
    public var failed = 0
    /// Batches cancelled (`POST /v1/batches/{id}/cancel` accepted).
    public var cancelled = 0
    /// Lines done with a 200 answer: each is paid, and written to the paid log with its batch.
    public var linesAnswered = 0
    /// Lines done with an error (a request the live endpoint refuses, or a 500 fault).
    public var linesFailed = 0
    /// Lines left undone when their batch expired.
    public var linesExpired = 0
    /// Usage of the answered lines.
    public var promptTokens = 0
    public var completionTokens = 0

    public init() {}
}
