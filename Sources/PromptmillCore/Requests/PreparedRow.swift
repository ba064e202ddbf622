/// One rendered chat message.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var name: String?
    public var content: String

    public init(role: String, name: String?, content: String) {
        self.role = role
        self.name = name
        self.content = content
    }

    /// `{"role", "content"[, "name"]}`, as the request sends it.
    var json: JSONValue {
        var object = JSONObject()
        object.append("role", .string(role))
        object.append("content", .string(content))
        if let name { object.append("name", .string(name)) }
        return .object(object)
    }
}

/// A row rendered and ready to send: its id, its prompt and the input fields its record copies.
public struct PreparedRow: Sendable {
    public var number: Int
    public var line: Int
    public var id: String
    /// completions: the prompt; embeddings and moderations: the input text; chat: unused.
    public var prompt: String
    /// chat: the rendered messages.
    public var messages: [ChatMessage]? = nil
    /// `user`: the SHA-256 (hex) of the row's end-user id, when the pipeline names a field.
    public var user: String? = nil
    /// The input row's fields, kept only by multi-step pipelines (later steps render from them).
    var fields: JSONObject? = nil
    /// Multi-step pipelines: what became of the row's earlier steps.
    var earlier: [StepOutcome] = []
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
