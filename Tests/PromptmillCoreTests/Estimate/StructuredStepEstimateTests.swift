import Testing
import PromptmillCore
import PromptmillTesting

/// A later step that reads an earlier step's structured answer (`steps.NAME.json.FIELD`)
/// is estimated like one that reads its text: every row, with its prompt's range.
@Suite struct StructuredStepEstimateTests {
    @Test func laterStepsReadingAStructuredAnswerAreCounted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", (1...6).map { "{\"text\":\"review \($0)\"}" }.joined(separator: "\n"))
        let path = try directory.write(
            "pipeline.yaml",
            """
            name: two-steps
            input: {path: rows.jsonl}
            output: {path: out.jsonl.gz}
            steps:
              - name: label
                endpoint: responses
                model: gpt-5-mini
                prompt: "Review: {{text}}"
                params:
                  max_output_tokens: 50
                  text: {format: {type: json_schema, name: l, strict: true, schema: {type: object, properties: {sentiment: {type: string}, \
            facets: {type: object, properties: {price: {type: string}}, required: [price], additionalProperties: false}}, \
            required: [sentiment, facets], additionalProperties: false}}}
              - name: explain
                endpoint: chat
                model: gpt-4o-mini
                messages: [{role: user, content: "Why is {{text}} {{steps.label.json.sentiment}} on {{steps.label.json.facets.price}}?"}]
                params: {max_completion_tokens: 20}
            """)
        let configuration = try PipelineLoader.load(path: path, environment: ["XDG_CACHE_HOME": directory.path])
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        #expect(estimate.steps.count == 2)
        #expect(estimate.steps.last?.rows == 6)
        #expect((estimate.steps.last?.requests ?? 0) == 6)
    }
}
