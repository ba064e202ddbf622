import PromptmillTokenizer

/// Stage 3, plan, for one step. Decides what each row arriving at the step needs: nothing
/// (its `when` does not hold), its answer from the answer store, the answer of a row already
/// waiting or in flight with the same request (it follows that row), or a request. Rows that
/// need a request wait here, in arrival order, until `nextRequest` forms them into requests:
/// up to the step's batch size, one end user each, fitted to the tokens-per-minute bucket
/// and the endpoint's own limits.
///
/// Owned by the run's flow (one task); nothing here is shared.
struct StepPlanner {
    /// A row settled at this step without a request of its own.
    typealias Settled = (row: PreparedRow, outcome: StepOutcome)

    let index: Int
    let step: PipelineConfiguration.Step
    /// The most completion tokens one row's request may use: `CompletionBudget.perPrompt`.
    let completionBudget: Int
    /// This is the job's last step: a row settled here is recorded.
    let isLast: Bool
    private let store: (any AnswerStore)?
    private let generation: JobGeneration
    private var keyer: ResponseCacheKeyer?
    private let tokenizer: Tokenizer
    private var buffer = ""
    /// A packed step's tokens shared by the rows of a request, counted at its first row.
    private var packOverhead: Int?
    /// Rows waiting for a request, in arrival order (`unsent[unsentStart...]`).
    private var unsent: [PreparedRow] = []
    private var unsentStart = 0
    /// Requests formed and fitted, not yet dispatched.
    private var ready: [PlannedRequest] = []
    /// Rows asking what a row already waiting or in flight asks, by that request's key.
    private var followers: [ResponseCacheKey: [PreparedRow]] = [:]
    private var followerCount = 0

    init(index: Int, of stages: [PipelineConfiguration.Step], store: (any AnswerStore)?, generation: JobGeneration) throws {
        self.index = index
        step = stages[index]
        isLast = index == stages.indices.last
        completionBudget = CompletionBudget.perPrompt(step.configuration)
        self.store = store
        self.generation = generation
        keyer = store == nil ? nil : ResponseCacheKeyer(configuration: step.configuration)
        tokenizer = try Tokenizer.shared(step.configuration.encoding)
    }

    /// Rows here that are not yet answered: waiting to be sent, or following another row.
    var waiting: Int { unsent.count - unsentStart + ready.reduce(0) { $0 + $1.rows.count } + followerCount }

    /// Takes rows arriving at this step. Returns the rows settled without a request (skipped,
    /// answered from the store, or failed to render); `recordStored` is offered each stored
    /// answer first (with whether this job paid for it) and returns true when it wrote the
    /// row's record from the stored bytes.
    mutating func admit(
        _ arriving: [PreparedRow],
        recordStored: (PreparedRow, ResponseCache.Hit, _ paidHere: Bool) throws -> Bool
    ) throws -> [Settled] {
        var rows = arriving
        var settled: [Settled] = []
        // The rows that ask the store or need a request, by position in `rows` (a cached
        // rerun looks up a million rows: no row is copied on the way).
        var asking: [Int] = []
        asking.reserveCapacity(rows.count)
        for position in rows.indices {
            if let condition = step.when, !condition.holds(in: rows[position].context ?? JSONObject()) {
                settled.append((rows[position], StepOutcome(step: index, kind: .skipped)))
                continue
            }
            if rows[position].renderedStep != index {
                do {
                    try render(&rows[position])
                } catch {
                    let failure = RowFailure(type: "template_error", message: "step \(step.name): \(error.reason)", status: nil)
                    settled.append((rows[position], StepOutcome(step: index, kind: .failed(failure, attempts: 0))))
                    continue
                }
            }
            asking.append(position)
        }
        guard let store else {
            for position in asking { enqueue(rows[position]) }
            return settled
        }
        var found = [Bool](repeating: false, count: asking.count)
        var storedFailure: (any Error)?
        try store.lookUp(asking.map { rows[$0].cacheKey! }) { position, hit in
            found[position] = true
            let row = asking[position]
            let paidHere = generation.paid(hit.paidBy, row: rows[row].number)
            do {
                if try recordStored(rows[row], hit, paidHere) { return }
            } catch {
                storedFailure = error
                return
            }
            guard let answer = Answer(storedOutput: hit.output, finishReason: hit.finishReason) else {
                // An entry this release cannot read is asked again.
                found[position] = false
                return
            }
            let kind: StepOutcome.Kind =
                paidHere
                ? .answered(answer, usage: hit.usage, attempts: 1)
                : .reused(answer, usage: hit.usage, from: .answerStore)
            settled.append((rows[row], StepOutcome(step: index, kind: kind)))
        }
        if let storedFailure { throw storedFailure }
        for (position, row) in asking.enumerated() where !found[position] { enqueue(rows[row]) }
        return settled
    }

    /// The step's request rendered from the row's context, its end user and its key.
    private mutating func render(_ row: inout PreparedRow) throws(RowPreparer.RenderError) {
        let context = row.context ?? JSONObject()
        let rendered = try RowPreparer.render(
            step.configuration.template, instructions: step.configuration.instructions, fields: context, into: &buffer)
        row.prompt = rendered.prompt
        row.messages = rendered.messages
        row.instructions = rendered.instructions
        // Each step names its own end-user field, or none.
        row.user = try step.configuration.userField.map { field throws(RowPreparer.RenderError) in try EndUser.id(in: context, field: field) }
        row.cacheKey = keyer == nil ? nil : APIRequest.cacheKey(row, keyer: &keyer!)
        row.renderedStep = index
    }

    /// A row that needs a request: it follows a row asking the same, or waits to be sent.
    private mutating func enqueue(_ row: PreparedRow) {
        var row = row
        if let key = row.cacheKey {
            if followers[key] != nil {
                followers[key]!.append(row)
                followerCount += 1
                return
            }
            followers[key] = []
        }
        if step.configuration.pack > 1 {
            let overhead = packOverhead ?? PackedRequest.overheadTokens(step.configuration, row: row, tokenizer: tokenizer)
            packOverhead = overhead
            row.promptTokens = PackedRequest.promptTokens(row, overhead: overhead, configuration: step.configuration, tokenizer: tokenizer)
        } else {
            row.promptTokens = APIRequest.promptTokens(row, tokenizer: tokenizer, endpoint: step.configuration.endpoint)
        }
        unsent.append(row)
    }

    /// The next request to send, if one is ready. `partial`: no more rows will come soon
    /// (the step's upstream is drained), so a batch smaller than the batch size may go.
    /// `capacity`: the tokens-per-minute bucket's size, if known. Rows that can never be
    /// sent (bigger than the bucket, or than an embedding input may be) come back as failures.
    mutating func nextRequest(capacity: Int?, partial: Bool) -> (request: PlannedRequest?, tooLarge: [RowResult]) {
        var tooLarge: [RowResult] = []
        while ready.isEmpty {
            let waiting = unsent.count - unsentStart
            guard waiting > 0, waiting >= step.configuration.batchSize || partial else { break }
            var count = min(step.configuration.batchSize, waiting)
            // One request speaks for one end user: a batch ends where the user changes.
            if count > 1, let user = unsent[unsentStart].user {
                count = (unsentStart..<(unsentStart + count)).prefix { unsent[$0].user == user }.count
            }
            let batch = Array(unsent[unsentStart..<(unsentStart + count)])
            unsentStart += count
            if unsentStart >= 4096 || unsentStart == unsent.count {
                unsent.removeFirst(unsentStart)
                unsentStart = 0
            }
            let cost = batch.tokenCost(completionBudget: completionBudget)
            let fitted = RequestFitter.fit(
                batch, cost: cost, completionBudget: completionBudget, capacity: capacity,
                endpoint: step.configuration.endpoint)
            tooLarge += fitted.tooLarge
            ready += fitted.requests.map { PlannedRequest(step: index, rows: $0.rows, tokenCost: $0.cost) }
        }
        return (ready.isEmpty ? nil : ready.removeFirst(), tooLarge)
    }

    /// Puts back the part of a request that the budget had no room for: it goes first.
    mutating func putBack(_ rows: [PreparedRow]) {
        guard !rows.isEmpty else { return }
        ready.insert(PlannedRequest(step: index, rows: rows, tokenCost: rows.tokenCost(completionBudget: completionBudget)), at: 0)
    }

    /// The rows that followed `result`'s row, each settled with its answer (or its failure).
    mutating func followers(of result: RowResult) -> [Settled] {
        guard let key = result.row.cacheKey, let waiting = followers.removeValue(forKey: key) else { return [] }
        followerCount -= waiting.count
        return waiting.map { row in
            switch result.outcome {
            case .answered(let answer, let usage):
                (row, StepOutcome(step: index, kind: .reused(answer, usage: usage, from: .row(result.row.number))))
            case .failed(let failure):
                (row, StepOutcome(step: index, kind: .failed(failure, attempts: 0)))
            }
        }
    }
}

/// Rows of one step to send as one request, and what the request reserves against the
/// tokens-per-minute limit: their prompt tokens plus the most completion tokens they may use.
struct PlannedRequest: Sendable {
    var step: Int
    var rows: [PreparedRow]
    var tokenCost: Int
}
