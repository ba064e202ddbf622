import Foundation
import PromptmillCore
import PromptmillSimulator

/// A started simulator and one connection pool to it, for tests that send many requests;
/// bodies are written as JSON text and answers read as JSON.
struct SimulatorClient {
    let simulator: Simulator
    let transport = AsyncHTTPClientTransport(maximumConnections: 2)

    static func started(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> SimulatorClient {
        SimulatorClient(simulator: try await SimulatorTests.started(configure))
    }

    func post(_ path: String, _ body: String) async throws -> SimulatorTests.Answer {
        let response = try await transport.send(
            HTTPRequest(
                url: simulator.baseURL + path, headers: [("Authorization", "Bearer sk-test"), ("Content-Type", "application/json")],
                body: Array(body.utf8)), timeout: .seconds(60))
        guard case .object(let object) = try response.body.withUnsafeBytes({ try JSONParser.parse($0) }) else {
            throw CocoaError(.coderReadCorrupt)
        }
        return SimulatorTests.Answer(status: response.status, headers: Dictionary(response.headers.map { ($0.name, $0.value) }) { $1 }, body: object)
    }

    func stop() async {
        await transport.shutdown()
        try? await simulator.stop()
    }

    /// Compact JSON text of a value.
    static func json(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }
}

extension JSONObject {
    /// The object at `key`, or an empty one.
    func object(_ key: String) -> JSONObject {
        if case .object(let value)? = self[key] { return value }
        return JSONObject()
    }

    func array(_ key: String) -> [JSONValue] {
        if case .array(let value)? = self[key] { return value }
        return []
    }

    func int(_ key: String) -> Int? {
        if case .number(let text)? = self[key] { return Int(text) }
        return nil
    }

    func string(_ key: String) -> String? {
        if case .string(let text)? = self[key] { return text }
        return nil
    }
}

extension JSONValue {
    var object: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension SimulatorTests.Answer {
    /// Every `output_text` of a Response's message items, joined.
    var outputText: String? {
        var text: String?
        for case .object(let item) in body.array("output") where item.string("type") == "message" {
            for case .object(let part) in item.array("content") where part.string("type") == "output_text" {
                text = (text ?? "") + (part.string("text") ?? "")
            }
        }
        return text
    }

    /// The refusal part of a Response's message, if any.
    var refusal: String? {
        for case .object(let item) in body.array("output") where item.string("type") == "message" {
            for case .object(let part) in item.array("content") where part.string("type") == "refusal" { return part.string("refusal") }
        }
        return nil
    }

    var usage: JSONObject { body.object("usage") }
}
