/// What each row is turned into for its endpoint.
public enum RequestTemplate: Sendable, Equatable {
    /// completions: one prompt per row.
    case prompt(PromptTemplate)
    /// chat: a list of messages per row.
    case messages([MessageTemplate])
    /// embeddings and moderations: a field's text, sent as it is.
    case inputField(String)

    /// Every field path the template reads.
    public var fieldPaths: [String] {
        switch self {
        case .prompt(let template): template.fieldPaths
        case .messages(let messages): messages.flatMap(\.content.fieldPaths)
        case .inputField(let field): [field]
        }
    }
}

/// One chat message template: a role, an optional name and a content template.
public struct MessageTemplate: Sendable, Equatable {
    public var role: String
    public var name: String?
    public var content: PromptTemplate

    public init(role: String, name: String?, content: PromptTemplate) {
        self.role = role
        self.name = name
        self.content = content
    }
}
