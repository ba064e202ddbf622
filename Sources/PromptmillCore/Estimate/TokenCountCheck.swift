import PromptmillTokenizer

/// `estimate --check N`: sends N sample rows to `POST {base_url}/responses/input_tokens`
/// (OpenAI counts a Responses API request's input there, free of charge) and sets each
/// request's offline count, as the estimate makes it, beside the API's.
///
/// The samples are N rows spread evenly over the input (the rows at positions i × rows ÷ N),
/// so that long and short stretches of a file both show. A packed pipeline is checked as the
/// run sends it: the samples go `pack` to a request, and each packed request is compared
/// whole (the API counts requests; a row's share of one is the estimate's own division).
/// A multi-step pipeline is checked on its first step, whose prompts need no earlier answer.
///
/// The body is the one a create would send, less the parameters the counting endpoint does
/// not take (`max_output_tokens`, `store`, `metadata`, `safety_identifier`, ...).
public struct TokenCountCheck: Sendable {
    /// Below the base URL (which ends in `/v1`).
    public static let path = "/responses/input_tokens"

    /// What `POST /v1/responses/input_tokens` takes, of what a create sends.
    static let countedKeys: Set<String> = [
        "model", "input", "instructions", "conversation", "previous_response_id", "parallel_tool_calls", "reasoning", "text",
        "tool_choice", "tools", "truncation",
    ]

    let configuration: PipelineConfiguration
    let transport: any HTTPTransport

    /// `configuration`: the job; its first step is checked. `transport`: sends each request
    /// within the pipeline's `timeout`.
    public init(configuration: PipelineConfiguration, transport: any HTTPTransport) {
        self.configuration = configuration
        self.transport = transport
    }

    /// The URL the counts are asked of.
    public var url: String { configuration.api.baseURL + Self.path }

    /// Throws `TokenCountCheckError.notResponses` when the pipeline's first step is not a
    /// responses step: nothing can be checked.
    public static func validate(_ configuration: PipelineConfiguration) throws(TokenCountCheckError) {
        let first = configuration.stages[0]
        guard first.configuration.endpoint == .responses else {
            throw .notResponses(endpoint: first.configuration.endpoint.rawValue, step: configuration.writtenWithSteps ? first.name : nil)
        }
    }

    /// Checks `samples` rows. `rowsInInput`: the good rows of the input when already known
    /// (the estimate counts them); nil reads the input once more to count them.
    public func run(samples: Int, rowsInInput: Int? = nil) async throws -> TokenCountCheckReport {
        try Self.validate(configuration)
        let step = configuration.stages[0].configuration
        let tokenizer = try Tokenizer.shared(step.encoding)
        let total = try rowsInInput ?? Self.countRows(step)
        let picked = try Self.sample(step, count: samples, of: total)
        var report = TokenCountCheckReport(url: url, rowsInInput: total, pack: step.pack, samples: [])
        var start = 0
        while start < picked.count {
            let rows = Array(picked[start..<min(start + step.pack, picked.count)])
            start += rows.count
            let offline =
                step.pack > 1
                ? PackedRequest.requestPromptTokens(rows, configuration: step, tokenizer: tokenizer)
                : APIRequest.promptTokens(rows[0], tokenizer: tokenizer, endpoint: .responses)
            let counted = try await count(Self.countingBody(step, rows: rows), timeout: step.limits.timeout)
            report.samples.append(TokenCountCheckReport.Sample(ids: rows.map(\.id), offline: offline, api: counted))
        }
        return report
    }

    /// The create body for `rows`, keeping only what the counting endpoint takes.
    static func countingBody(_ configuration: PipelineConfiguration, rows: [PreparedRow]) -> [UInt8] {
        let body = APIRequest.body(configuration, rows: rows)
        guard case .object(let object)? = try? body.withUnsafeBytes({ bytes throws(JSONParseError) in try JSONParser.parse(bytes) }) else {
            return body
        }
        var kept = JSONObject()
        for (key, value) in zip(object.keys, object.values) where countedKeys.contains(key) { kept.append(key, value) }
        var writer = JSONWriter(capacity: body.count)
        writer.value(.object(kept))
        return writer.bytes
    }

    /// One request's `input_tokens`, or an error naming the status and the body.
    private func count(_ body: [UInt8], timeout: Duration) async throws(TokenCountCheckError) -> Int {
        let request = HTTPRequest(url: url, headers: configuration.api.requestHeaders, body: body)
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch {
            throw .transport(url: url, error)
        }
        guard response.status == 200 else {
            throw .status(url: url, status: response.status, body: TokenCountCheckError.excerpt(response.body))
        }
        let parsed = try? response.body.withUnsafeBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        guard case .object(let object)? = parsed, case .number(let text)? = object["input_tokens"], let tokens = Int(text) else {
            throw .unreadable(url: url, body: TokenCountCheckError.excerpt(response.body))
        }
        return tokens
    }

    /// The input's good rows.
    static func countRows(_ configuration: PipelineConfiguration) throws -> Int {
        var preparer = try RowPreparer(configuration: configuration)
        var rows = 0
        while let result = try preparer.next() {
            if case .row = result { rows += 1 }
        }
        return rows
    }

    /// `count` rows spread evenly over `total`: the rows at positions i × total ÷ count (all
    /// of them when count ≥ total), in input order.
    static func sample(_ configuration: PipelineConfiguration, count: Int, of total: Int) throws -> [PreparedRow] {
        let wanted = min(count, total)
        guard wanted > 0 else { return [] }
        var positions = (0..<wanted).map { $0 * total / wanted }.makeIterator()
        var next = positions.next()
        var picked: [PreparedRow] = []
        var preparer = try RowPreparer(configuration: configuration)
        var position = 0
        while let target = next, let result = try preparer.next() {
            guard case .row(let row) = result else { continue }
            if position == target {
                picked.append(row)
                next = positions.next()
            }
            position += 1
        }
        return picked
    }
}
