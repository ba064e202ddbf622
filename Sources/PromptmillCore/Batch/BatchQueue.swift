import Foundation
import Logging
import PromptmillTokenizer

/// One step's requests on their way through the Batch API: gathered into input files,
/// uploaded, created, polled, and collected line by line, each line settled as a live
/// answer would be (`Settler`), at batch prices.
///
/// A careful operator's order, each id in the job store before the next step depends on it:
/// the lines' file is written (0600) and recorded with its `custom_id`s; uploaded, its file
/// id recorded; the batch created with `metadata.promptmill_batch` = the local id, its id
/// recorded. A run killed between create and record finds the batch again by listing the
/// account's batches and matching that metadata, so a rerun never creates a second batch
/// for the same rows: a request whose `custom_id` is in a batch not yet collected waits for
/// that batch.
///
/// Lines that failed (5xx, 429) or were not run (expired, cancelled) go again: in a new batch
/// while time allows, live (`live`) after `Settings.cutoff` or after `Settings.batchSends`
/// tries. A 4xx is the row's error record, as live.
actor BatchQueue {
    struct Settings: Sendable {
        var step: Int
        var jobName: String
        /// The job's request fingerprint, sent as metadata.
        var fingerprint: String
        /// Where the input files are kept until their batch is collected.
        var directory: String
        var firstPoll: Duration = .seconds(2)
        var maxPoll: Duration = .seconds(60)
        /// OpenAI's limits on one input file (platform.openai.com/docs/guides/batch).
        var maxLines = 50_000
        var maxBytes = 200 * 1024 * 1024
        /// After it, unfinished batches are cancelled and their rows sent live.
        var cutoff: Date?
        /// `run --detach`: once every waiting row is in a submitted batch, leave.
        var detach = false
        /// Times a line goes by batch before it is sent live.
        var batchSends = 3
    }

    private struct Line: Sendable {
        var customID: String
        var request: PlannedRequest
        /// The body the dispatcher built (the one a live run sends), kept until the line is
        /// written into its batch file.
        var body: [UInt8]
        /// The request's worst case, reserved under a cap before it was queued.
        var worst: Money
        var sends = 1
    }

    private typealias Continuation = CheckedContinuation<Result<DispatchReport, JobStop>, Never>

    private let settings: Settings
    private let configuration: PipelineConfiguration
    private let api: BatchAPI
    private let store: any BatchStore
    private let live: LiveDispatcher
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let progress: ProgressReporter?
    private let contact: ServerContact

    private var waiters: [String: (line: Line, continuation: Continuation)] = [:]
    /// Waiting lines in no batch yet, in arrival order.
    private var pending: [String] = []
    /// Lines of batches not yet collected: `custom_id` → the batch's local id.
    private var owner: [String: String] = [:]
    /// Answers read for lines whose rows have not come yet (a rerun reads rows as it goes),
    /// with the batch they came from: it stays uncollected until they are settled.
    private var unclaimed: [String: (batch: String, result: BatchFileLine.Result)] = [:]
    /// `pending`, as a set: a line is never in two batch files at once.
    private var pendingIDs: Set<String> = []
    private var records: [String: BatchRecord] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    private var collecting: Set<String> = []
    /// Prompt tokens of this queue's batches not yet finished.
    private var enqueued = 0
    /// The account's enqueued-token limit, from `limits.batch_queue_tokens` or learned.
    private var queueLimit: Int?
    private var started = false
    /// Requests submitted so far, and how many must have come before an idle flow's seal.
    private var submitted = 0
    private var sealAfter: Int?
    private var released: JobStop?

    init(
        settings: Settings, configuration: PipelineConfiguration, api: BatchAPI, store: any BatchStore, live: LiveDispatcher,
        clock: any Clock<Duration>, logger: Logger, progress: ProgressReporter?, contact: ServerContact
    ) {
        self.contact = contact
        self.settings = settings
        self.configuration = configuration
        self.api = api
        self.store = store
        self.live = live
        self.clock = clock
        self.logger = logger
        self.progress = progress
        queueLimit = configuration.limits.batchQueueTokens
    }

    // MARK: The flow's side

    /// Waits until the request's line is settled; a request already in a batch not yet
    /// collected waits for that batch.
    func submit(_ request: PlannedRequest, body: [UInt8], worst: Money) async -> Result<DispatchReport, JobStop> {
        if let released { return .failure(released) }
        resumeRecordedBatches()
        var customID = BatchFileLine.customID(body: body)
        var copy = 2
        while waiters[customID] != nil {
            customID = BatchFileLine.customID(body: body) + "-\(copy)"
            copy += 1
        }
        let line = Line(customID: customID, request: request, body: body, worst: worst)
        return await withCheckedContinuation { continuation in
            waiters[customID] = (line, continuation)
            submitted += 1
            if let (batch, result) = unclaimed.removeValue(forKey: customID) {
                Task {
                    await self.resolve(customID, result)
                    self.collectedIfSettled(batch)
                }
            } else if owner[customID] == nil {
                enqueue(customID)
                if let sealAfter, submitted >= sealAfter {
                    self.sealAfter = nil
                    seal()
                }
            }
        }
    }

    /// No more requests will come soon: what waits in no batch is sealed into batches, as
    /// soon as all `dispatched` requests have arrived.
    func idle(dispatched: Int) {
        resumeRecordedBatches()
        sealAfter = dispatched
        if submitted >= dispatched {
            sealAfter = nil
            seal()
        }
    }

    /// The job stops: every waiting request comes back with `stop`. Submitted batches keep
    /// running on the server (they are paid work); a later run collects them.
    func release(_ stop: JobStop) {
        guard released == nil else { return }
        released = stop
        // A batch being collected finishes: its answers are paid and go to the cache.
        for (localID, task) in tasks where !collecting.contains(localID) { task.cancel() }
        let all = waiters
        waiters = [:]
        pending = []
        pendingIDs = []
        for (_, waiter) in all { waiter.continuation.resume(returning: .failure(stop)) }
    }

    /// Batches this run created or found and has not collected: (batches, rows waiting).
    var running: (batches: Int, lines: Int) {
        let open = records.values.filter { !$0.collected }
        return (open.count, open.reduce(0) { $0 + $1.lines })
    }

    /// The job is complete: every batch's lines are settled, so each is marked collected and
    /// its input file removed.
    func finish() {
        for var record in records.values where !record.collected {
            record.collected = true
            save(record)
            try? FileManager.default.removeItem(atPath: record.path)
        }
    }

    // MARK: Batches

    /// Batches recorded by earlier runs and not collected: their lines are owned, and each
    /// is followed to its end.
    private func resumeRecordedBatches() {
        guard !started else { return }
        started = true
        let recorded: [BatchRecord]
        do {
            recorded = try store.batches().filter { !$0.collected && $0.step == settings.step }
        } catch {
            logger.warning("\(error)")
            return
        }
        for record in recorded {
            records[record.localID] = record
            for id in (try? store.customIDs(ofBatch: record.localID)) ?? [] { owner[id] = record.localID }
            progress?.note("following batch \(record.batchID ?? record.localID) of an earlier run (\(record.lines) lines, \(record.status))")
            follow(record.localID)
        }
    }

    private func follow(_ localID: String) {
        tasks[localID] = Task { await self.lifecycle(localID) }
    }

    /// Seals the pending lines into input files within the file limits and the queue limit.
    private func seal() {
        guard released == nil, !pending.isEmpty else { return }
        var group: [Line] = []
        var bytes = 0
        var tokens = 0
        var files: [[UInt8]] = []
        var writer = JSONWriter(capacity: 1 << 16)
        let limit = queueLimit.map { max(1, $0) }
        func close() {
            guard !group.isEmpty else { return }
            files.append(writer.bytes)
            create(group, file: writer.bytes, tokens: tokens)
            group = []
            bytes = 0
            tokens = 0
            writer = JSONWriter(capacity: 1 << 16)
        }
        for id in pending {
            guard let line = waiters[id]?.line else { continue }
            var lineWriter = JSONWriter(capacity: line.body.count + 128)
            BatchFileLine.encode(customID: id, endpoint: configuration.endpoint, body: line.body, into: &lineWriter)
            let lineTokens = line.request.rows.reduce(0) { $0 + $1.promptTokens }
            if !group.isEmpty,
                group.count >= settings.maxLines || bytes + lineWriter.bytes.count > settings.maxBytes
                    || limit.map({ tokens + lineTokens > $0 }) ?? false
            {
                close()
            }
            group.append(line)
            bytes += lineWriter.bytes.count
            tokens += lineTokens
            lineWriter.bytes.withUnsafeBytes { writer.raw($0) }
        }
        close()
        pending = []
        pendingIDs = []
    }

    private func enqueue(_ id: String) {
        if pendingIDs.insert(id).inserted { pending.append(id) }
    }

    /// A batch whose last unclaimed answer was settled is collected.
    private func collectedIfSettled(_ localID: String) {
        guard var record = records[localID], !record.collected, !unclaimed.values.contains(where: { $0.batch == localID }) else { return }
        record.collected = true
        save(record)
        try? FileManager.default.removeItem(atPath: record.path)
    }

    private func create(_ lines: [Line], file: [UInt8], tokens: Int) {
        let localID = UUID().uuidString.lowercased()
        let path = settings.directory + "/" + settings.jobName + "-" + localID + ".jsonl"
        do {
            try FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
            try PrivateFile.write(file, to: path)
            let record = BatchRecord(
                localID: localID, step: settings.step, lines: lines.count, tokens: tokens, path: path,
                createdAt: Date().timeIntervalSince1970)
            try store.recordBatch(record, customIDs: lines.map(\.customID))
            records[localID] = record
            for line in lines { owner[line.customID] = localID }
            follow(localID)
        } catch {
            // Not recorded: nothing was sent; the rows fail for now, transiently.
            for line in lines { fail(line.customID, RowFailure(type: "batch_error", message: "\(error)", status: nil, transient: true)) }
        }
    }

    private func save(_ record: BatchRecord) {
        records[record.localID] = record
        do {
            try store.updateBatch(record)
        } catch {
            logger.warning("\(error)")
        }
    }

    /// One batch from where the job store left it to its lines settled.
    private func lifecycle(_ localID: String) async {
        guard var record = records[localID] else { return }
        var delay = settings.firstPoll
        while !Task.isCancelled {
            do {
                if record.inputFileID == nil {
                    let content = try Array(Data(contentsOf: URL(fileURLWithPath: record.path)))
                    record.inputFileID = try await api.upload(content, filename: (record.path as NSString).lastPathComponent)
                    record.status = "uploaded"
                    save(record)
                }
                if record.batchID == nil {
                    if let found = try await foundAgain(localID) {
                        enqueued += record.tokens
                        record.batchID = found.id
                        record.status = found.status
                        logger.info("batch \(found.id) of an earlier run found again by its metadata")
                    } else {
                        try await waitForRoom(record.tokens)
                        let batch: BatchAPI.Batch
                        do {
                            batch = try await api.create(
                                inputFileID: record.inputFileID!, endpoint: configuration.endpoint,
                                metadata: [
                                    "promptmill_job": settings.jobName, "promptmill_fingerprint": String(settings.fingerprint.prefix(64)),
                                    "promptmill_batch": localID,
                                ])
                        } catch {
                            enqueued -= record.tokens
                            throw error
                        }
                        record.batchID = batch.id
                        record.status = batch.status
                    }
                    save(record)
                    progress?.note("batch \(record.batchID!) submitted: \(record.lines) requests")
                } else {
                    enqueued += record.tokens
                }
                defer { enqueued -= record.tokens }
                var batch = try await api.retrieve(record.batchID!)
                var cancelling = false
                while !batch.isFinished {
                    update(&record, from: batch)
                    if settings.detach, pending.isEmpty, waiters.keys.allSatisfy({ owner[$0] != nil }),
                        records.values.allSatisfy({ $0.batchID != nil || $0.collected })
                    {
                        let open = running
                        release(.detached(batches: open.batches, rows: open.lines))
                        return
                    }
                    if let cutoff = settings.cutoff, Date() >= cutoff, !cancelling {
                        progress?.note("the deadline is near: cancelling batch \(batch.id); what it has not finished goes live")
                        batch = try await api.cancel(batch.id)
                        cancelling = true
                        continue
                    }
                    try await clock.sleep(for: delay)
                    delay = min(delay * 2, settings.maxPoll)
                    batch = try await api.retrieve(record.batchID!)
                }
                update(&record, from: batch)
                collecting.insert(localID)
                defer { collecting.remove(localID) }
                try await collect(&record, batch)
                return
            } catch let failure as BatchAPI.Failure where failure.transient {
                logger.warning("\(failure) — trying again")
            } catch is CancellationError {
                return
            } catch {
                // The batch cannot be followed (its id is unknown, the file cannot be read):
                // its rows fail for now, and a rerun tries again.
                logger.error("batch \(record.batchID ?? localID): \(error)")
                for id in lineIDs(of: localID) {
                    fail(id, RowFailure(type: "batch_error", message: "\(error)", status: nil, transient: true))
                }
                return
            }
            do {
                try await clock.sleep(for: delay)
            } catch {
                return
            }
            delay = min(delay * 2, settings.maxPoll)
        }
    }

    private func update(_ record: inout BatchRecord, from batch: BatchAPI.Batch) {
        let changed =
            record.status != batch.status || record.completed != batch.requestCounts?.completed
            || record.failed != batch.requestCounts?.failed
        record.status = batch.status
        record.completed = batch.requestCounts?.completed ?? record.completed
        record.failed = batch.requestCounts?.failed ?? record.failed
        record.outputFileID = batch.outputFileID ?? record.outputFileID
        record.errorFileID = batch.errorFileID ?? record.errorFileID
        if changed { save(record) }
    }

    /// A batch this job created whose id was never recorded (the run died in between).
    private func foundAgain(_ localID: String) async throws -> BatchAPI.Batch? {
        var found: BatchAPI.Batch?
        let created = records[localID]?.createdAt ?? 0
        _ = try await api.list { page in
            found = found ?? page.first { $0.metadata?["promptmill_batch"] == localID }
            // Pages are newest first: older than the record, it cannot be there.
            return found != nil || (page.last?.createdAt.map { Double($0) < created - 60 } ?? false)
        }.first { $0.metadata?["promptmill_batch"] == localID }.map { found = $0 }
        return found
    }

    /// Holds a batch until the account's queue has room for its tokens, then counts them
    /// as enqueued (checked and counted with no suspension between, so batches created at
    /// once never pass the limit together).
    private func waitForRoom(_ tokens: Int) async throws {
        while let limit = queueLimit, enqueued > 0, enqueued + tokens > limit {
            try await clock.sleep(for: settings.firstPoll)
        }
        enqueued += tokens
    }

    private func lineIDs(of localID: String) -> [String] {
        (try? store.customIDs(ofBatch: localID)) ?? owner.filter { $0.value == localID }.map(\.key)
    }

    /// Reads a finished batch's output and error files and settles every line.
    private func collect(_ record: inout BatchRecord, _ batch: BatchAPI.Batch) async throws {
        let ids = lineIDs(of: record.localID)
        if batch.status == "failed" {
            try await failed(&record, batch, lines: ids)
            return
        }
        var seen = Set<String>()
        for fileID in [batch.outputFileID, batch.errorFileID].compactMap({ $0 }) {
            let content = try await api.content(ofFile: fileID)
            var start = content.startIndex
            while start < content.endIndex {
                let end = content[start...].firstIndex(of: UInt8(ascii: "\n")) ?? content.endIndex
                if let (id, result) = BatchFileLine.parse(content[start..<end]), seen.insert(id).inserted {
                    if case .answered = result { contact.submitted(lines: 1) }
                    // A line of this batch; or, answered, a line a newer batch of an earlier
                    // run holds too (that one's answer, when it comes, is dropped: paid once
                    // here is enough).
                    if owner[id] == record.localID || owner[id] != nil && Self.isAnswer(result) {
                        await resolve(id, result, from: record.localID)
                    }
                }
                start = end == content.endIndex ? end : content.index(after: end)
            }
        }
        for id in ids where !seen.contains(id) && owner[id] == record.localID {
            await resolve(
                id, .notRun(code: "batch_missing", message: "batch \(batch.id) (\(batch.status)) gave no line for it"), from: record.localID)
        }
        if batch.status == "expired" || batch.status == "cancelled" {
            progress?.note("batch \(batch.id) \(batch.status) with \(record.completed) of \(record.lines) lines done; the rest go again")
        }
        record.collected = !unclaimed.values.contains { $0.batch == record.localID }
        for id in ids where owner[id] == record.localID && unclaimed[id] == nil { owner[id] = nil }
        save(record)
        if record.collected { try? FileManager.default.removeItem(atPath: record.path) }
        seal()
    }

    /// A batch that failed as a whole. Over the enqueued-token limit: the limit is learned
    /// (from the message's "Limit: N", else half the batch) and its lines go again in
    /// batches that fit. Otherwise its lines are errors, with the batch's words.
    private func failed(_ record: inout BatchRecord, _ batch: BatchAPI.Batch, lines: [String]) async throws {
        let errors = batch.errors?.data ?? []
        record.collected = true
        save(record)
        for id in lines { owner[id] = nil }
        if let exceeded = errors.first(where: { $0.code == "token_limit_exceeded" }) {
            let learned = Self.limit(in: exceeded.message ?? "") ?? max(1, record.tokens / 2)
            queueLimit = min(queueLimit ?? .max, learned)
            progress?.note(
                "batch \(batch.id) went over the account's enqueued-token limit (\(learned) tokens): sending its lines again in batches that fit")
            for id in lines where waiters[id] != nil { enqueue(id) }
            // Lines of an earlier run whose rows have not come yet come back through `submit`.
            try? FileManager.default.removeItem(atPath: record.path)
            seal()
            return
        }
        let message = errors.compactMap(\.message).first ?? "the batch failed without a reason"
        for id in lines {
            let own = errors.first { $0.line != nil && lines.firstIndex(of: id).map { $0 + 1 } == $0.line }
            fail(
                id,
                RowFailure(type: own?.code ?? errors.first?.code ?? "batch_failed", message: own?.message ?? message, status: 400, transient: false))
        }
    }

    /// "Limit: 200,000 enqueued tokens" → 200000.
    static func limit(in message: String) -> Int? {
        guard let range = message.range(of: "Limit: ") else { return nil }
        let digits = message[range.upperBound...].prefix { $0.isNumber || $0 == "," }.filter(\.isNumber)
        return Int(digits)
    }

    // MARK: Lines

    /// An answer that decides the row (a 200, or a 4xx that is its error record).
    static func isAnswer(_ result: BatchFileLine.Result) -> Bool {
        if case .answered(let status, _) = result { return status < 500 && status != 408 && status != 409 && status != 429 }
        return false
    }

    /// `from`: the batch the line was read from. A line whose row has not come yet keeps its
    /// answer for it; one that got none is dropped (its row, when it comes, is in no batch
    /// and goes in a new one).
    private func resolve(_ id: String, _ result: BatchFileLine.Result, from batch: String? = nil) async {
        guard let waiter = waiters.removeValue(forKey: id) else {
            if Self.isAnswer(result), let batch {
                unclaimed[id] = (batch, result)
            } else if owner[id] == batch {
                owner[id] = nil
            }
            return
        }
        owner[id] = nil
        let line = waiter.line
        switch result {
        case .answered(200, let body):
            waiter.continuation.resume(returning: await settle(line, body: body))
        case .answered(let status, let body):
            let error = APIErrorBody.parse(body, status: status)
            if status == 408 || status == 409 || status == 429 || status >= 500 {
                again(line, waiter.continuation)
            } else {
                await live.spend?.release(line.worst)
                let failure = RowFailure(type: error.code ?? error.type ?? "http_\(status)", message: error.message, status: status, transient: false)
                waiter.continuation.resume(
                    returning: .success(
                        DispatchReport(results: line.request.rows.map { RowResult(row: $0, outcome: .failed(failure), attempts: line.sends) })))
            }
        case .notRun:
            again(line, waiter.continuation)
        }
    }

    /// A line that got no answer goes again: in a new batch while time allows, else live.
    private func again(_ line: Line, _ continuation: Continuation) {
        var line = line
        line.sends += 1
        let late = settings.cutoff.map { Date() >= $0 } ?? false
        if late || line.sends > settings.batchSends || released != nil {
            Task {
                await self.live.spend?.release(line.worst)
                do throws(JobStop) {
                    continuation.resume(returning: .success(try await self.live.send(line.request.rows, tokenCost: line.request.tokenCost)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            return
        }
        waiters[line.customID] = (line, continuation)
        enqueue(line.customID)
    }

    private func fail(_ id: String, _ failure: RowFailure) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        owner[id] = nil
        Task { await self.live.spend?.release(waiter.line.worst) }
        waiter.continuation.resume(
            returning: .success(
                DispatchReport(results: waiter.line.request.rows.map { RowResult(row: $0, outcome: .failed(failure), attempts: waiter.line.sends) })))
    }

    /// A 200 line: parsed and checked as a live answer, priced at batch prices.
    private func settle(_ line: Line, body: [UInt8]) async -> Result<DispatchReport, JobStop> {
        let rows = line.request.rows
        var answer: APIResponse
        do {
            answer = try APIResponse.parse(
                body, endpoint: configuration.endpoint, promptTokens: rows.map(\.promptTokens),
                choicesPerPrompt: APIRequest.choicesPerPrompt(configuration.params), tokenizer: live.tokenizer)
        } catch {
            // Billed, but of no use: sent again live, as a live answer of no use is.
            await live.spend?.hold(line.worst)
            do throws(JobStop) {
                return .success(try await live.send(rows, tokenCost: line.request.tokenCost))
            } catch {
                return .failure(error)
            }
        }
        answer.usage.tier = .batch
        answer.check(rows: rows, configuration: configuration, tokenizer: live.tokenizer)
        let results = await live.settler.settle(rows, answer, reserved: line.worst, attempts: line.sends)
        do throws(JobStop) {
            return .success(try await live.sendAgain(results, after: DispatchReport()))
        } catch {
            return .failure(error)
        }
    }
}
