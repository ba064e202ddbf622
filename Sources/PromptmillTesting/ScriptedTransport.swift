import PromptmillCore
import Synchronization

/// An `HTTPTransport` that answers from a script and records what it was sent, so retry and
/// mapping tests run without a network or a server.
public final class ScriptedTransport: HTTPTransport {
    /// One scripted answer: a response, or a transport failure.
    public enum Step: Sendable {
        case respond(HTTPResponse)
        case fail(TransportError)
    }

    private struct State {
        var steps: [Step]
        var sent: [HTTPRequest] = []
    }

    private let state: Mutex<State>
    /// Answers each request by its content and its index in the order received, instead of a script.
    private let responder: (@Sendable (HTTPRequest, Int) async -> Step)?

    public init(_ steps: [Step]) {
        state = Mutex(State(steps: steps))
        responder = nil
    }

    /// A transport whose answers `respond` makes from each request (and its 0-based index).
    public init(respond: @escaping @Sendable (HTTPRequest, Int) async -> Step) {
        state = Mutex(State(steps: []))
        responder = respond
    }

    /// The requests sent so far, in order.
    public var sent: [HTTPRequest] {
        state.withLock { $0.sent }
    }

    public func send(_ request: HTTPRequest, timeout: Duration) async throws(TransportError) -> HTTPResponse {
        let index = state.withLock { state in
            state.sent.append(request)
            return state.sent.count - 1
        }
        if let responder { return try Self.answer(await responder(request, index)) }
        let scripted: Step = state.withLock { state in
            guard !state.steps.isEmpty else {
                return .fail(TransportError(.connection, "the script has no more answers"))
            }
            return state.steps.removeFirst()
        }
        return try Self.answer(scripted)
    }

    private static func answer(_ step: Step) throws(TransportError) -> HTTPResponse {
        switch step {
        case .respond(let response): return response
        case .fail(let error): throw error
        }
    }

    public func shutdown() async {}
}

extension HTTPResponse {
    /// A JSON answer with the given status.
    public static func json(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("content-type", "application/json")] + headers, body: Array(body.utf8))
    }
}
