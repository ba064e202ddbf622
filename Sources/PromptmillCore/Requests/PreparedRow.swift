/// A row rendered and ready to send: its id, its prompt and the input fields its record copies.
public struct PreparedRow: Sendable {
    public var number: Int
    public var line: Int
    public var id: String
    public var prompt: String
    /// The fields named by `output.include`, in that order.
    public var input: JSONObject
    /// The prompt's exact token count, once a run has counted it.
    public var promptTokens = 0
    /// The key of its answer in the response cache, when the run uses the cache.
    public var cacheKey: ResponseCacheKey?

    public init(number: Int, line: Int, id: String, prompt: String, input: JSONObject) {
        self.number = number
        self.line = line
        self.id = id
        self.prompt = prompt
        self.input = input
    }
}
