extension SimulatorEngine {
    /// With `flexUnavailable`, OpenAI's answer when flex processing lacks capacity: a 429
    /// "Resource Unavailable", not billed (https://platform.openai.com/docs/guides/flex-processing,
    /// "Resource unavailable errors"). The guide names only the status and "Resource
    /// Unavailable"; the message, type and code below are the simulator's, as OpenAI's own
    /// body is not published. It carries no retry-after and takes nothing from the rate-limit
    /// buckets. A share of 0 draws nothing from the seeded generator.
    func flexRefusal() -> SimulatorReply? {
        guard configuration.flexUnavailable > 0, random() < configuration.flexUnavailable else { return nil }
        state.withLockedValue { $0.statistics.flexUnavailable += 1 }
        return .error(429, message: "Resource unavailable. Please retry later.", type: "invalid_request_error", code: "resource_unavailable")
    }
}
