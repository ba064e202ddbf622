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

    public init(_ steps: [Step]) {
        state = Mutex(State(steps: steps))
    }

    /// The requests sent so far, in order.
    public var sent: [HTTPRequest] {
        state.withLock { $0.sent }
    }

    public func send(_ request: HTTPRequest, timeout: Duration) async throws(TransportError) -> HTTPResponse {
        let step: Step = state.withLock { state in
            state.sent.append(request)
            guard !state.steps.isEmpty else {
                return .fail(TransportError(.connection, "the script has no more answers"))
            }
            return state.steps.removeFirst()
        }
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
