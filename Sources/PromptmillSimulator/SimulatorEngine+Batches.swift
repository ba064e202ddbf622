import Foundation
import PromptmillCore

extension SimulatorEngine {
    /// `POST /v1/batches`: checks the request, reads the input file as OpenAI validates it,
    /// applies the enqueued-token limit, then answers every line at once by the code that
    /// answers live requests (without limits, quota or transport faults); the batch clock
    /// delivers them later.
    func createBatch(_ body: [UInt8]) -> SimulatorReply {
        if quotaExhausted {
            return .error(
                429,
                message:
                    "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                type: "insufficient_quota", code: "insufficient_quota")
        }
        let request: BatchRequest
        switch BatchRequest.parse(body) {
        case .failure(let reply): return reply
        case .success(let parsed): request = parsed
        }
        guard let file = state.withLockedValue({ $0.files[request.inputFileID] }) else {
            return .error(
                400, message: "Invalid 'input_file_id': '\(request.inputFileID)'. No such File object.", type: "invalid_request_error",
                code: "invalid_value", param: "input_file_id")
        }
        guard file.purpose == "batch" else {
            return .error(
                400, message: "Invalid 'input_file_id': '\(file.id)'. The file's purpose must be 'batch', not '\(file.purpose)'.",
                type: "invalid_request_error", code: "invalid_value", param: "input_file_id")
        }
        var errors: [BatchError] = []
        var parsed: [(line: BatchInput.Line, request: Result<SimulatedRequest, SimulatorReply>)] = []
        switch BatchInput.read(file.bytes, endpoint: request.endpoint) {
        case .invalid(let found): errors = found
        case .lines(let lines):
            let endpoint = Self.endpoints[request.endpoint] ?? .chat
            parsed = lines.map { line in
                var writer = JSONWriter(capacity: 512)
                writer.value(.object(line.body))
                return (line, SimulatedRequest.parse(endpoint: endpoint, body: writer.bytes, engine: self))
            }
        }
        let model = parsed.lazy.compactMap { if case .string(let model)? = $0.line.body["model"] { model } else { nil } }.first
        let tokens = parsed.reduce(0) { total, line in
            if case .success(let request) = line.request { return total + request.promptTokens.reduce(0, +) }
            return total
        }
        let elapsed = elapsedSeconds
        let id = state.withLockedValue { state in
            let now = elapsed + state.batchTimeOffset
            if errors.isEmpty, let limit = configuration.batchQueueTokens {
                let enqueued = state.batches.reduce(0) { total, batch in
                    guard batch.model == model, batch.errors.isEmpty, batch.snapshot(at: now).status.isActive else { return total }
                    return total + batch.enqueuedTokens
                }
                if enqueued + tokens > limit {
                    errors = [Self.tokenLimitExceeded(model: model ?? "unknown", limit: limit)]
                }
            }
            state.nextID += 1
            let count = errors.isEmpty ? parsed.count : 0
            state.batches.append(
                SimulatedBatch(
                    id: "batch_sim\(state.nextID)", endpoint: request.endpoint, model: model, inputFileID: file.id,
                    completionWindow: request.completionWindow, metadata: request.metadata, created: now,
                    duration: max(0, configuration.batchSeconds), errors: errors, total: count, enqueuedTokens: errors.isEmpty ? tokens : 0,
                    expireAfter: configuration.batchExpireAt == nil ? nil : expireAfter(count),
                    ready: !errors.isEmpty))
            state.statistics.batches.created += 1
            return "batch_sim\(state.nextID)"
        }
        if errors.isEmpty {
            let lines = answer(parsed, reaching: configuration.batchExpireAt == nil ? parsed.count : expireAfter(parsed.count))
            state.withLockedValue { state in
                guard let index = state.batches.firstIndex(where: { $0.id == id }) else { return }
                state.batches[index].lines = lines
                state.batches[index].ready = true
            }
        }
        return batchReply(id, cancel: false)
    }

    /// With `batchExpireAt`, how many of `count` lines a batch does before it expires.
    private func expireAfter(_ count: Int) -> Int {
        let share = min(1, max(0, configuration.batchExpireAt ?? 1))
        return min(count, Int((share * Double(count) + 1e-9).rounded(.down)))
    }

    /// The batch's lines in a shuffled order, the first `reaching` of them answered as a live
    /// request would be, or failed with a 500 by `batchLineFailures`.
    private func answer(_ parsed: [(line: BatchInput.Line, request: Result<SimulatedRequest, SimulatorReply>)], reaching: Int) -> [BatchLine] {
        shuffledOrder(parsed.count).enumerated().map { place, position in
            let (line, request) = parsed[position]
            let id = "batch_req_sim\(nextID())"
            let requestID = "req_sim_\(nextID())"
            if place >= reaching { return BatchLine(id: id, customID: line.customID, requestID: requestID, outcome: .unreached) }
            switch request {
            case .failure(let reply):
                return BatchLine(id: id, customID: line.customID, requestID: requestID, outcome: .refused(status: reply.status, body: reply.body))
            case .success(let request):
                if configuration.batchLineFailures > 0, random() < configuration.batchLineFailures {
                    let fault = SimulatorReply.error(
                        500, message: "The server had an error while processing your request. Sorry about that!", type: "server_error", code: nil)
                    return BatchLine(id: id, customID: line.customID, requestID: requestID, outcome: .refused(status: 500, body: fault.body))
                }
                let answer = request.answer(engine: self)
                return BatchLine(
                    id: id, customID: line.customID, requestID: requestID,
                    outcome: .answered(body: answer.body, usage: BatchUsage(answer: answer.body), texts: request.texts))
            }
        }
    }

    /// OpenAI's words when a model's enqueued tokens would pass the organisation's limit.
    static func tokenLimitExceeded(model: String, limit: Int) -> BatchError {
        // OpenAI writes the limit with thousands separators ("Limit: 90,000 enqueued tokens").
        var formatted = String(limit)
        var mark = formatted.count - 3
        while mark > 0 {
            formatted.insert(",", at: formatted.index(formatted.startIndex, offsetBy: mark))
            mark -= 3
        }
        return BatchError(
            code: "token_limit_exceeded",
            message:
                "Enqueued token limit reached for \(model) in organization org-sim. Limit: \(formatted) enqueued tokens. Please try again once some in_progress batches have been completed."
        )
    }

    /// `GET /v1/batches/{id}`, or `POST /v1/batches/{id}/cancel` with `cancel`.
    func batchReply(_ id: String, cancel: Bool) -> SimulatorReply {
        let elapsed = elapsedSeconds
        return state.withLockedValue { state in
            let now = elapsed + state.batchTimeOffset
            settleBatches(&state, now: now)
            guard let index = state.batches.firstIndex(where: { $0.id == id }) else {
                return .error(404, message: "No batch found with id '\(id)'.", type: "invalid_request_error", code: nil, param: "batch_id")
            }
            if cancel {
                let snapshot = state.batches[index].snapshot(at: now)
                guard snapshot.status.isActive else {
                    return .error(
                        409, message: "Cannot cancel a batch with status '\(snapshot.status.rawValue)'.", type: "invalid_request_error", code: nil)
                }
                state.batches[index].cancelRequested = (now, snapshot.done)
                state.statistics.batches.cancelled += 1
            }
            var writer = JSONWriter(capacity: 1024)
            state.batches[index].write(&writer, at: now, unix: unix)
            return .json(200, writer.bytes)
        }
    }

    /// `GET /v1/batches?limit=N&after=ID`: newest first, `limit` 1...100 (default 20), after
    /// the batch `after`.
    func listBatches(_ query: [String: String]) -> SimulatorReply {
        let limit = query["limit"].map { Int($0) ?? 0 } ?? 20
        guard (1...100).contains(limit) else {
            return .error(
                400, message: "Invalid 'limit': expected an integer from 1 to 100.", type: "invalid_request_error", code: "invalid_value",
                param: "limit")
        }
        let elapsed = elapsedSeconds
        return state.withLockedValue { state in
            let now = elapsed + state.batchTimeOffset
            settleBatches(&state, now: now)
            let newest = Array(state.batches.reversed())
            var start = 0
            if let after = query["after"] {
                start = (newest.firstIndex { $0.id == after }).map { $0 + 1 } ?? newest.count
            }
            let page = newest[start..<min(newest.count, start + limit)]
            var writer = JSONWriter(capacity: 1024 * (page.count + 1))
            writer.raw("{\"object\":\"list\",\"data\":[")
            for (position, batch) in page.enumerated() {
                if position > 0 { writer.raw(",") }
                batch.write(&writer, at: now, unix: unix)
            }
            writer.raw("],\"first_id\":")
            if let first = page.first { writer.string(first.id) } else { writer.null() }
            writer.raw(",\"last_id\":")
            if let last = page.last { writer.string(last.id) } else { writer.null() }
            writer.raw(",\"has_more\":")
            writer.bool(start + limit < newest.count)
            writer.raw("}")
            return .json(200, writer.bytes)
        }
    }

    /// Unix seconds of a batch-clock time.
    func unix(_ time: Double) -> Int { Int((startedUnix + time).rounded(.down)) }

    /// Brings every batch's bookkeeping up to `now`: the lines done since the last look are
    /// counted (and the answered ones paid in the paid log, at the time each was done), and a
    /// batch that has just finished gets its output and error files and its final counts.
    func settleBatches(_ state: inout State, now: Double) {
        for index in state.batches.indices where state.batches[index].ready && !state.batches[index].settledEnd {
            var batch = state.batches[index]
            let snapshot = batch.snapshot(at: now)
            for position in batch.settledLines..<max(batch.settledLines, snapshot.done) {
                let line = batch.lines[position]
                switch line.outcome {
                case .answered(_, let usage, let texts):
                    state.statistics.batches.linesAnswered += 1
                    state.statistics.batches.promptTokens += usage.input
                    state.statistics.batches.completionTokens += usage.output
                    Self.logPaid(
                        &state, time: startedUnix + batch.lineDone(position), texts: texts, prompt: usage.input, completion: usage.output,
                        marks: [("batch", batch.id), ("custom_id", line.customID)])
                case .refused:
                    state.statistics.batches.linesFailed += 1
                case .unreached:
                    break
                }
            }
            batch.settledLines = max(batch.settledLines, snapshot.done)
            if snapshot.status.isFinished {
                batch.settledEnd = true
                if snapshot.status == .failed { state.statistics.batches.failed += 1 }
                if snapshot.status == .expired { state.statistics.batches.linesExpired += batch.total - snapshot.done }
                if snapshot.status.hasFiles {
                    let files = batch.files(snapshot)
                    let created = unix(now)
                    if let output = files.output {
                        state.nextID += 1
                        let file = StoredFile(
                            id: "file-sim\(state.nextID)", filename: "\(batch.id)_output.jsonl", purpose: "batch_output", createdAt: created,
                            bytes: output)
                        state.files[file.id] = file
                        batch.outputFileID = file.id
                    }
                    if let errors = files.errors {
                        state.nextID += 1
                        let file = StoredFile(
                            id: "file-sim\(state.nextID)", filename: "\(batch.id)_error.jsonl", purpose: "batch_output", createdAt: created,
                            bytes: errors)
                        state.files[file.id] = file
                        batch.errorFileID = file.id
                    }
                }
            }
            state.batches[index] = batch
        }
    }
}
