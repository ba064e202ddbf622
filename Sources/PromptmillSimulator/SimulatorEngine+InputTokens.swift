import PromptmillCore

extension SimulatorEngine {
    /// `POST /v1/responses/input_tokens`: the body of a create, checked as one, answered with
    /// `{"object":"response.input_tokens","input_tokens":N}` by the same count a create's usage
    /// reports. Free: no quota, no rate limit, no faults, not in the paid log.
    func inputTokens(_ body: [UInt8]) -> SimulatorReply {
        switch SimulatedRequest.parse(endpoint: .responses, body: body, engine: self) {
        case .failure(let reply): return reply
        case .success(let request):
            var writer = JSONWriter(capacity: 64)
            writer.raw("{\"object\":\"response.input_tokens\",\"input_tokens\":")
            writer.number(request.promptTokens[0])
            writer.raw("}")
            return .json(200, writer.bytes)
        }
    }
}
