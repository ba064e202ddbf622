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

    public var description: String {
        "APIConfiguration(baseURL: \(baseURL), apiKey: <hidden>, organization: \(organization ?? "none"), project: \(project ?? "none"))"
    }
}
