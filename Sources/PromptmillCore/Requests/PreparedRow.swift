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

    /// `{"role", "content"}`: a Responses API input message (it takes no `name`).
    var inputItem: JSONValue {
        .object(JSONObject(keys: ["role", "content"], values: [.string(role), .string(content)]))
    }
}

/// A row on its way through the job's steps: its id, the request rendered for the step it
/// is at, the input fields its record copies, and what became of its earlier steps.
public struct PreparedRow: Sendable {
    public var number: Int
    public var line: Int
    public var id: String
    /// completions: the prompt; embeddings and moderations: the input text; chat: unused.
    public var prompt: String
    /// chat, and responses with `messages:`: the rendered messages.
    public var messages: [ChatMessage]? = nil
    /// responses: the rendered `instructions`, when the pipeline has them.
    public var instructions: String? = nil
    /// `user`: the SHA-256 (hex) of the row's end-user id, when the pipeline names a field.
    public var user: String? = nil
    /// What templates and `when` conditions read: the input row's fields and `steps.NAME`
    /// (each settled step's `output`, `json` and `skipped`). Kept only when a step needs it.
    var context: JSONObject? = nil
    /// What became of the row's settled steps, in step order.
    var settled: [StepOutcome] = []
    /// The step whose request `prompt`, `messages`, `user`, `promptTokens` and `cacheKey`
    /// hold (the reader renders the first step's; later steps render their own).
    var renderedStep = 0
    /// The fields named by `output.include`, in that order.
    public var input: JSONObject
    /// The prompt's exact token count, once a run has counted it.
    public var promptTokens = 0
    /// The key of its answer in the response cache, when the run uses the cache.
    public var cacheKey: ResponseCacheKey?
    /// What the row's answers that could not be kept cost this step so far (answers that
    /// broke the schema, packed answers that lost it): its record adds them.
    var spent = TokenUsage.zero
    /// Requests of this step that answered the row without a usable answer so far.
    var sentAgain = 0
    /// Of those, the ones that answered it alone (what `max_schema_retries` counts).
    var schemaRetries = 0

    public init(number: Int, line: Int, id: String, prompt: String, input: JSONObject) {
        self.number = number
        self.line = line
        self.id = id
        self.prompt = prompt
        self.input = input
    }
}
