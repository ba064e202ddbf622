/// Where requests go and who sends them.
///
/// The key comes from the environment only and is never printed: `description` hides it, and
/// nothing writes this value to state, cache, output or logs.
public struct APIConfiguration: Sendable, CustomStringConvertible {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// Without a trailing slash, e.g. `https://api.openai.com/v1`.
    public var baseURL: String
    public var apiKey: String
    public var organization: String?
    public var project: String?

    public init(baseURL: String, apiKey: String, organization: String? = nil, project: String? = nil) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.apiKey = apiKey
        self.organization = organization
        self.project = project
    }

    /// The headers of every request: the key as a bearer token, JSON both ways, and the
    /// organisation and project when set.
    var requestHeaders: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Authorization", "Bearer " + apiKey),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("User-Agent", "promptmill/0.1"),
        ]
        if let organization { headers.append(("OpenAI-Organization", organization)) }
        if let project { headers.append(("OpenAI-Project", project)) }
        return headers
    }

    public var description: String {
        "APIConfiguration(baseURL: \(baseURL), apiKey: <hidden>, organization: \(organization ?? "none"), project: \(project ?? "none"))"
    }
}
