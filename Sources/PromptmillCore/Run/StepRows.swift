import Foundation
import PromptmillTokenizer

/// What became of one step of a row in a multi-step pipeline, for its record.
struct StepOutcome: Sendable {
    enum Kind: Sendable {
        /// `cached`: served from the cache without this job paying for it.
        case answered(output: String, finishReason: String, usage: TokenUsage, cached: Bool, attempts: Int)
        /// The step's `when` did not hold.
        case skipped
        case failed(RowFailure, attempts: Int)
    }

    var name: String
    var model: String
    var kind: Kind
    /// The step's prices, to price its usage.
    var prices: ModelPrices?

    var cost: Money? {
        guard case .answered(_, _, let usage, let cached, _) = kind else { return .zero }
        return cached ? .zero : prices?.cost(of: usage)
    }

    var saved: Money? {
        guard case .answered(_, _, let usage, true, _) = kind else { return .zero }
        return prices?.cost(of: usage)
    }
}

/// What the passes of this run learned that the cache does not say: the rows that failed a
/// step (later passes leave them out, the last writes their error records; a rerun tries
/// them again, since errors are not paid for), and the answers this run paid for (two rows
/// with the same prompt sent at once are both paid, though the cache keeps one payer).
final class StepMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [Int: (step: Int, failure: RowFailure, attempts: Int)] = [:]
    private var paid: [Int64: (usage: TokenUsage, attempts: Int)] = [:]

    func paid(row: Int, step: Int, usage: TokenUsage, attempts: Int) {
        lock.withLock { paid[Int64(row) << 8 | Int64(step)] = (usage, attempts) }
    }

    func paidAnswer(row: Int, step: Int) -> (usage: TokenUsage, attempts: Int)? {
        lock.withLock { paid[Int64(row) << 8 | Int64(step)] }
    }

    func failed(row: Int, step: Int, failure: RowFailure, attempts: Int) {
        lock.withLock { failures[row] = (step, failure, attempts) }
    }

    func failure(row: Int) -> (step: Int, failure: RowFailure, attempts: Int)? {
        lock.withLock { failures[row] }
    }
}

/// Prepares the rows of one pass of a multi-step pipeline: for step `k`, each row's earlier
/// steps are rendered from the row and the steps before them and looked up in the cache (an
/// earlier pass stored every answer there), `when` is applied, and step `k` is rendered and
/// looked up in turn. Rows whose step `k` needs a request come back to be sent; rows that
/// need none (served from the cache, skipped, or failed earlier) are handed to `finished`.
/// Rows whose earlier steps have no answer yet (a pass stopped early) wait for a rerun.
struct StepRows {
    struct Chunk {
        /// Step `k` requests to send, each row carrying its earlier steps' outcomes.
        var toSend: [PreparedRow] = []
        /// Rows with every step settled: their records can be written.
        var finished: [(row: PreparedRow, steps: [StepOutcome])] = []
        var problems: [InputProblem] = []
    }

    let configuration: PipelineConfiguration
    let step: Int
    let cache: ResponseCache
    let generation: JobGeneration
    let skip: RowSet
    let memory: StepMemory
    private var preparer: RowPreparer
    private var keyers: [ResponseCacheKeyer]
    private let tokenizer: Tokenizer
    private var buffer = ""

    init(configuration: PipelineConfiguration, step: Int, cache: ResponseCache, generation: JobGeneration, skip: RowSet,
         memory: StepMemory) throws {
        self.configuration = configuration
        self.step = step
        self.cache = cache
        self.generation = generation
        self.skip = skip
        self.memory = memory
        preparer = try RowPreparer(configuration: configuration.steps[0].configuration)
        preparer.keepFields = true
        keyers = configuration.steps.prefix(step + 1).map { ResponseCacheKeyer(configuration: $0.configuration) }
        tokenizer = try Tokenizer.shared(configuration.steps[step].configuration.encoding)
    }

    /// Up to `size` rows of the input, nil at its end.
    mutating func next(size: Int) throws -> Chunk? {
        var chunk = Chunk()
        var rows: [PreparedRow] = []
        while rows.count < size, let result = try preparer.next(skipping: skip) {
            switch result {
            case .row(let row): rows.append(row)
            case .bad(let problem): chunk.problems.append(problem)
            }
        }
        if rows.isEmpty && chunk.problems.isEmpty { return nil }

        var contexts = rows.map { row -> JSONObject in
            var context = row.fields ?? JSONObject()
            context.append("steps", .object(JSONObject()))
            return context
        }
        var outcomes = [[StepOutcome]](repeating: [], count: rows.count)
        // Rows still going: not failed, not waiting for an earlier answer.
        var active = [Bool](repeating: true, count: rows.count)
        var waiting = [Bool](repeating: false, count: rows.count)
        for index in 0...step {
            let stepConfiguration = configuration.steps[index].configuration
            let name = configuration.steps[index].name
            var asked: [(row: Int, prepared: PreparedRow, key: ResponseCacheKey)] = []
            for row in rows.indices where active[row] {
                func settle(_ kind: StepOutcome.Kind, _ result: JSONObject) {
                    outcomes[row].append(StepOutcome(name: name, model: stepConfiguration.model, kind: kind, prices: stepConfiguration.prices))
                    Self.set(&contexts[row], step: name, result)
                }
                if let failed = memory.failure(row: rows[row].number), failed.step == index {
                    settle(.failed(failed.failure, attempts: failed.attempts), Self.result(output: .null, skipped: false))
                    active[row] = false
                    continue
                }
                if let condition = configuration.steps[index].when, !condition.holds(in: contexts[row]) {
                    settle(.skipped, Self.result(output: .null, skipped: true))
                    continue
                }
                var prepared = rows[row]
                if index > 0 {
                    do {
                        let rendered = try RowPreparer.render(stepConfiguration.template, fields: contexts[row], into: &buffer)
                        prepared.prompt = rendered.prompt
                        prepared.messages = rendered.messages
                        // Each step names its own end-user field, or none.
                        prepared.user = try stepConfiguration.userField.map { field throws(RowPreparer.RenderError) in
                            try EndUser.id(in: contexts[row], field: field)
                        }
                    } catch {
                        let failure = RowFailure(type: "template_error", message: "step \(name): \(error.reason)", status: nil)
                        settle(.failed(failure, attempts: 0), Self.result(output: .null, skipped: false))
                        active[row] = false
                        continue
                    }
                }
                asked.append((row, prepared, APIRequest.cacheKey(prepared, keyer: &keyers[index])))
            }
            var found = [Bool](repeating: false, count: asked.count)
            try cache.lookUp(asked.map(\.key)) { position, hit in
                found[position] = true
                let row = asked[position].row
                let output = String(decoding: hit.output, as: UTF8.self)
                let finishReason = String(decoding: hit.finishReason, as: UTF8.self)
                let kind: StepOutcome.Kind
                if let answer = memory.paidAnswer(row: rows[row].number, step: index) {
                    kind = .answered(output: output, finishReason: finishReason, usage: answer.usage, cached: false, attempts: answer.attempts)
                } else {
                    let paidHere = generation.paid(hit.paidBy, row: rows[row].number)
                    kind = .answered(output: output, finishReason: finishReason, usage: hit.usage, cached: !paidHere, attempts: paidHere ? 1 : 0)
                }
                outcomes[row].append(StepOutcome(name: name, model: stepConfiguration.model, kind: kind, prices: stepConfiguration.prices))
                Self.set(&contexts[row], step: name, Self.result(output: Self.parse(output), skipped: false))
            }
            for (position, entry) in asked.enumerated() where !found[position] {
                active[entry.row] = false
                if index == step {
                    var prepared = entry.prepared
                    prepared.cacheKey = entry.key
                    prepared.promptTokens = APIRequest.promptTokens(prepared, tokenizer: tokenizer)
                    prepared.earlier = outcomes[entry.row]
                    prepared.fields = nil
                    chunk.toSend.append(prepared)
                } else {
                    // An earlier step has no answer yet: this row waits for a rerun.
                    waiting[entry.row] = true
                }
            }
        }
        let sending = Set(chunk.toSend.map(\.number))
        for row in rows.indices where !waiting[row] && (active[row] || Self.failed(outcomes[row])) {
            guard !sending.contains(rows[row].number) else { continue }
            var finished = rows[row]
            finished.fields = nil
            chunk.finished.append((finished, outcomes[row]))
        }
        return chunk
    }

    private static func failed(_ outcomes: [StepOutcome]) -> Bool {
        outcomes.contains { if case .failed = $0.kind { true } else { false } }
    }

    /// What later steps' templates and conditions read as `steps.NAME`: `output` (and `json`,
    /// when the output is text holding a JSON object) and `skipped`.
    private static func result(output: JSONValue, skipped: Bool) -> JSONObject {
        var result = JSONObject()
        result.append("output", output)
        if case .string(let text) = output, text.hasPrefix("{"),
           case .object(let object)? = try? Array(text.utf8).withUnsafeBytes({ try JSONParser.parse($0) }) {
            result.append("json", .object(object))
        }
        result.append("skipped", .bool(skipped))
        return result
    }

    private static func parse(_ json: String) -> JSONValue {
        (try? Array(json.utf8).withUnsafeBytes { try JSONParser.parse($0) }) ?? .null
    }

    private static func set(_ context: inout JSONObject, step: String, _ result: JSONObject) {
        guard case .object(var steps)? = context["steps"] else { return }
        steps.append(step, .object(result))
        context.append("steps", .object(steps))
    }
}
