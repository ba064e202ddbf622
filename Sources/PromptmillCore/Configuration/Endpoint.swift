/// The API endpoints a pipeline can send its rows to.
public enum Endpoint: String, Sendable, CaseIterable {
    case completions
    case chat
    case embeddings
    case moderations
    /// OpenAI's Responses API (`POST /v1/responses`), the endpoint of its current models.
    case responses

    /// The path below the base URL (which ends in `/v1`).
    public var path: String {
        switch self {
        case .completions: "/completions"
        case .chat: "/chat/completions"
        case .embeddings: "/embeddings"
        case .moderations: "/moderations"
        case .responses: "/responses"
        }
    }

    /// The most rows one request may carry.
    public var maximumBatchSize: Int {
        switch self {
        case .completions: 20
        case .chat: 1
        case .embeddings: 2048
        case .moderations: 32
        case .responses: 1
        }
    }
}
