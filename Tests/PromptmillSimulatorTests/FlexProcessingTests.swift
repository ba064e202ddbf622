import PromptmillCore
import PromptmillSimulator
import Testing

/// Flex processing on the simulator over real HTTP on loopback: the tier named in the
/// answer, and OpenAI's capacity refusals.
@Suite struct FlexProcessingTests {
    /// A live answer names its tier: flex when asked for, priority when asked for, default
    /// otherwise (auto included), on chat and responses.
    @Test func liveAnswersEchoTheServiceTier() async throws {
        let client = try await SimulatorClient.started()
        defer { Task { await client.stop() } }
        for (asked, answered) in [("\"flex\"", "flex"), ("\"priority\"", "priority"), ("\"auto\"", "default"), ("\"default\"", "default")] {
            let chat = try await client.post(
                "/chat/completions", #"{"model":"o4-mini","messages":[{"role":"user","content":"hi"}],"service_tier":\#(asked)}"#)
            #expect(chat.body.string("service_tier") == answered)
            let responses = try await client.post("/responses", #"{"model":"o4-mini","input":"hi","service_tier":\#(asked)}"#)
            #expect(responses.body.string("service_tier") == answered)
        }
        let plain = try await client.post("/chat/completions", #"{"model":"o4-mini","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(plain.body.string("service_tier") == "default")
    }

    /// With flexUnavailable, that share of flex requests gets OpenAI's 429 Resource
    /// Unavailable, with no retry-after and nothing taken from the rate-limit buckets;
    /// requests on the default tier never do.
    @Test func flexCapacityRefusesAShareOfFlexRequests() async throws {
        let client = try await SimulatorClient.started {
            $0.flexUnavailable = 0.4
            $0.requestsPerMinute = 10_000
        }
        defer { Task { await client.stop() } }
        var refused = 0
        for _ in 0..<100 {
            let answer = try await client.post(
                "/chat/completions", #"{"model":"o4-mini","messages":[{"role":"user","content":"hi"}],"service_tier":"flex"}"#)
            if answer.status == 429 {
                refused += 1
                #expect(answer.headers["retry-after"] == nil)
                #expect(answer.headers["retry-after-ms"] == nil)
                #expect(
                    SimulatorClient.json(.object(answer.body))
                        == #"{"error":{"message":"Resource unavailable. Please retry later.","type":"invalid_request_error","param":null,"code":"resource_unavailable"}}"#
                )
            } else {
                #expect(answer.status == 200)
                #expect(answer.body.string("service_tier") == "flex")
            }
        }
        #expect((25...55).contains(refused))
        for _ in 0..<20 {
            let answer = try await client.post("/chat/completions", #"{"model":"o4-mini","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(answer.status == 200)
        }
        let statistics = client.simulator.statistics()
        #expect(statistics.flexUnavailable == refused)
        #expect(statistics.byModel["o4-mini"]?.admitted == 120 - refused)
    }

    /// flexLatency is added to the live latency of flex answers only.
    @Test func flexAnswersTakeTheirExtraLatency() async throws {
        let client = try await SimulatorClient.started { $0.flexLatency = .milliseconds(300) }
        defer { Task { await client.stop() } }
        let flex = try await client.post(
            "/chat/completions", #"{"model":"o4-mini","messages":[{"role":"user","content":"hi"}],"service_tier":"flex"}"#)
        #expect(flex.headers["openai-processing-ms"] == "300")
        let standard = try await client.post("/chat/completions", #"{"model":"o4-mini","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(standard.headers["openai-processing-ms"] == "1")
    }
}
