import Crypto

/// The key of one row's cached answer: SHA-256 over the canonical JSON of everything that
/// decides that answer — the endpoint, the model, the row's rendered prompt, and every
/// parameter that changes the output. Not the API key, organisation, project or base URL,
/// and not the batch: a row is cached alone, so another `batch_size` still hits.
public struct ResponseCacheKey: Sendable, Hashable, CustomStringConvertible {
    /// 32 bytes.
    public let digest: [UInt8]

    /// Parameters that do not change what the model answers.
    static let ignoredParameters: Set<String> = ["user", "metadata", "store", "safety_identifier", "prompt_cache_key"]

    public init(configuration: PipelineConfiguration, row: PreparedRow) {
        var request = JSONObject()
        request.append("endpoint", .string(configuration.endpoint.rawValue))
        request.append("model", .string(configuration.model))
        switch configuration.template {
        case .prompt: request.append("prompt", .string(row.prompt))
        case .messages, .inputField: request.append("input", .string(row.prompt))
        }
        var params = JSONObject()
        for (key, value) in zip(configuration.params.keys, configuration.params.values) where !Self.ignoredParameters.contains(key) {
            params.append(key, value)
        }
        request.append("params", .object(params))
        var writer = JSONWriter(capacity: row.prompt.utf8.count + 256)
        CanonicalJSON.write(.object(request), into: &writer)
        digest = Array(SHA256.hash(data: writer.bytes))
    }

    /// Lowercase hex.
    public var description: String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
