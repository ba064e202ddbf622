import Crypto
import Foundation

/// What a job's recorded progress depends on, as hashes, one per part, so a changed job can
/// say which part changed.
public struct JobFingerprint: Sendable, Equatable {
    /// Endpoint, model, template, params and tokenizer: what decides each row's answer.
    public var request: String
    /// The input file: its path, size, modification time, and its first and last megabyte.
    public var input: String
    /// How rows are read and what records hold: id field, bad-row policy, copied fields.
    public var records: String
    /// The output file's path.
    public var output: String

    public init(request: String, input: String, records: String, output: String) {
        self.request = request
        self.input = input
        self.records = records
        self.output = output
    }

    public init(_ configuration: PipelineConfiguration) {
        let request: JSONValue
        if !configuration.writtenWithSteps {
            request = .object(Self.request(configuration))
        } else {
            request = .array(
                configuration.steps.map { step in
                    var object = Self.request(step.configuration)
                    object.append("step", .string(step.name))
                    object.append("when", step.when.map { .string($0.description) } ?? .null)
                    return .object(object)
                })
        }
        var records = JSONObject()
        records.append("id", configuration.input.idField.map(JSONValue.string) ?? .null)
        records.append("on_bad_row", .string(configuration.input.onBadRow.rawValue))
        records.append("format", .string(configuration.input.format.rawValue))
        if configuration.input.delimiter != UInt8(ascii: ",") {
            records.append("delimiter", .string(String(UnicodeScalar(configuration.input.delimiter))))
        }
        records.append("include", .array(configuration.output.include.map(JSONValue.string)))
        self.init(
            request: Self.hash(request), input: Self.inputHash(configuration.input.path),
            records: Self.hash(.object(records)), output: Self.hash(.string(configuration.output.path)))
    }

    /// What decides one step's answers.
    private static func request(_ configuration: PipelineConfiguration) -> JSONObject {
        var request = JSONObject()
        request.append("endpoint", .string(configuration.endpoint.rawValue))
        request.append("model", .string(configuration.model))
        request.append("encoding", .string(configuration.encoding.rawValue))
        switch configuration.template {
        case .prompt(let template):
            request.append("prompt", .string(template.source))
        case .messages(let messages):
            request.append(
                "messages",
                .array(
                    messages.map { message in
                        var object = JSONObject()
                        object.append("role", .string(message.role))
                        if let name = message.name { object.append("name", .string(name)) }
                        object.append("content", .string(message.content.source))
                        return .object(object)
                    }))
        case .inputField(let field):
            request.append("input_field", .string(field))
        }
        // Not what only routes or prices a request: the prompt cache key promptmill adds only
        // on OpenAI's own URL (so `status`, which is given no --base-url, saw a change that
        // was none), and the service tier (a row's answer is the same at any tier).
        var params = JSONObject()
        for (key, value) in zip(configuration.params.keys, configuration.params.values) where !["prompt_cache_key", "service_tier"].contains(key) {
            params.append(key, value)
        }
        request.append("params", .object(params))
        if let field = configuration.userField { request.append("user_field", .string(field)) }
        return request
    }

    /// The parts that differ from `other`, in words.
    public func changes(from other: JobFingerprint) -> [String] {
        var changes: [String] = []
        if request != other.request { changes.append("the model, template or params") }
        if input != other.input { changes.append("the input file") }
        if records != other.records { changes.append("the id field, bad-row policy or copied fields") }
        if output != other.output { changes.append("the output path") }
        return changes
    }

    static func hash(_ value: JSONValue) -> String {
        var writer = JSONWriter(capacity: 1024)
        CanonicalJSON.write(value, into: &writer)
        return hex(SHA256.hash(data: writer.bytes))
    }

    /// Path, size and modification time, and the bytes of the first and last megabyte: a
    /// changed file is caught without reading all of it.
    static func inputHash(_ path: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(path.utf8))
        guard let handle = FileHandle(forReadingAtPath: path) else { return hex(hasher.finalize()) }
        defer { try? handle.close() }
        var info = stat()
        if stat(path, &info) == 0 {
            #if canImport(Darwin)
            let modified = [Int64(info.st_mtimespec.tv_sec), Int64(info.st_mtimespec.tv_nsec)]
            #else
            let modified = [Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
            #endif
            for number in [Int64(info.st_size)] + modified {
                withUnsafeBytes(of: number.littleEndian) { hasher.update(bufferPointer: $0) }
            }
            let window: Int64 = 1 << 20
            if let head = try? handle.read(upToCount: Int(window)) { hasher.update(data: head) }
            if Int64(info.st_size) > window {
                try? handle.seek(toOffset: UInt64(max(window, Int64(info.st_size) - window)))
                if let tail = try? handle.read(upToCount: Int(window)) { hasher.update(data: tail) }
            }
        }
        return hex(hasher.finalize())
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
