import Crypto

/// The key of one row's cached answer: SHA-256 over the canonical JSON of everything that
/// decides that answer — the endpoint, the model, the row's rendered content (prompt,
/// messages or input), and every parameter that changes the output. Not the API key,
/// organisation, project or base URL, and not the batch: a row is cached alone, so another
/// `batch_size` still hits.
public struct ResponseCacheKey: Sendable, Hashable, CustomStringConvertible {
    // 32 bytes, kept inline so a key costs no allocation.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Parameters that do not change what the model answers.
    /// `service_tier` decides the price and the speed, never the answer: a row answered at
    /// flex, by batch or at standard is the same answer (issue 15).
    static let ignoredParameters: Set<String> = ["user", "metadata", "store", "safety_identifier", "prompt_cache_key", "service_tier"]

    init(digest: SHA256.Digest) {
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { target in
            digest.withUnsafeBytes { target.copyMemory(from: $0) }
        }
    }

    public init(configuration: PipelineConfiguration, row: PreparedRow) {
        self.init(configuration: configuration, content: .string(row.prompt))
    }

    /// `content`: the rendered prompt (a string) or messages (a list of message objects).
    public init(configuration: PipelineConfiguration, content: JSONValue) {
        var writer = JSONWriter(capacity: 1024)
        CanonicalJSON.write(.object(Self.request(configuration, content: content)), into: &writer)
        self.init(digest: SHA256.hash(data: writer.bytes))
    }

    /// The request object whose canonical JSON is hashed.
    static func request(_ configuration: PipelineConfiguration, content: JSONValue) -> JSONObject {
        var request = JSONObject()
        request.append("endpoint", .string(configuration.endpoint.rawValue))
        request.append("model", .string(configuration.model))
        request.append(contentKey(configuration.template), content)
        var params = JSONObject()
        for (key, value) in zip(configuration.params.keys, configuration.params.values) where !ignoredParameters.contains(key) {
            params.append(key, value)
        }
        request.append("params", .object(params))
        // A packed row is answered as an item among others, under another format: its answer
        // is not the one it gets alone (whatever the pack's size or neighbours).
        if configuration.pack > 1 { request.append("packed", .bool(true)) }
        return request
    }

    static func contentKey(_ template: RequestTemplate) -> String {
        switch template {
        case .prompt: "prompt"
        case .messages: "messages"
        case .inputField: "input"
        }
    }

    public static func == (lhs: ResponseCacheKey, rhs: ResponseCacheKey) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// 32 bytes.
    public var digest: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hex.
    public var description: String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        withUnsafeBytes { bytes in
            for byte in bytes {
                text.append(hex[Int(byte >> 4)])
                text.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Computes keys for the rows of one job quickly: the canonical JSON around the row's
/// content is the same for every row, so it is written once and hashed around each row's
/// text, with one reused buffer.
public struct ResponseCacheKeyer {
    private let prefix: SHA256
    private let suffix: [UInt8]
    private var scratch = JSONWriter(capacity: 8192)

    public init(configuration: PipelineConfiguration) {
        // Write the request once with a marker as the content, and cut it there.
        let marker = "\u{1}promptmill-content\u{1}"
        var writer = JSONWriter(capacity: 1024)
        CanonicalJSON.write(.object(ResponseCacheKey.request(configuration, content: .string(marker))), into: &writer)
        var encodedMarker = JSONWriter(capacity: 64)
        encodedMarker.string(marker)
        let bytes = writer.bytes
        let markerBytes = encodedMarker.bytes
        let start = (0...(bytes.count - markerBytes.count)).first { bytes[$0..<($0 + markerBytes.count)].elementsEqual(markerBytes) }!
        var prefix = SHA256()
        prefix.update(data: bytes[..<start])
        self.prefix = prefix
        suffix = Array(bytes[(start + markerBytes.count)...])
    }

    /// The key of a row whose content is the text `prompt` (completions, embeddings, moderations).
    public mutating func key(prompt: String) -> ResponseCacheKey {
        scratch.removeAll()
        scratch.string(prompt)
        return finish()
    }

    /// The key of a row whose content is a JSON value (chat messages).
    public mutating func key(content: JSONValue) -> ResponseCacheKey {
        scratch.removeAll()
        CanonicalJSON.write(content, into: &scratch)
        return finish()
    }

    private mutating func finish() -> ResponseCacheKey {
        var hasher = prefix
        scratch.bytes.append(contentsOf: suffix)
        scratch.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return ResponseCacheKey(digest: hasher.finalize())
    }
}
