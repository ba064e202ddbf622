import Foundation

extension JobReport {
    /// The report of the job `configuration` names, read from its summary file, its output
    /// (the bytes the ledger says are committed) and its timeline: `timeline` when given,
    /// else the job's ledger when it keeps one. Throws `ReportError` when the output is
    /// missing or unreadable, or the ledger cannot be read.
    public init(configuration: PipelineConfiguration, timeline: (any TimelineStore)? = nil) throws(ReportError) {
        self.init(
            jobName: configuration.name, pipelinePath: configuration.pipelinePath, outputPath: configuration.output.displayPath,
            steps: configuration.stages.map(\.name))
        budgetUSD = configuration.budget.maxUSD?.dollars
        let snapshot: OutputSnapshot
        do {
            snapshot = try OutputSnapshot.locate(configuration)
        } catch {
            if case .outputMoved = error { throw .outputMoved(error.description) }
            throw .noOutput(path: configuration.output.displayPath, pipeline: configuration.pipelinePath)
        }
        notes = snapshot.notes
        var store = timeline
        if store == nil, configuration.sharedState == nil {
            let ledgerPath = JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)
            if FileManager.default.fileExists(atPath: ledgerPath) {
                do {
                    let ledger = try JobLedger(path: ledgerPath, readOnly: true)
                    store = ledger
                    inputRows = try ledger.progress()?.inputRows
                } catch {
                    throw .state(error)
                }
            }
        }
        if let jobStore = timeline as? any JobStore {
            do {
                inputRows = try jobStore.progress()?.inputRows
            } catch {
                throw .state(error)
            }
        }
        if let store {
            do {
                self.timeline = ReportTimeline(try store.timeline())
                slowest = try store.slowRequests(limit: 20)
            } catch {
                throw .state(error)
            }
        }
        if self.timeline.samples == 0 {
            notes.append("no timeline recorded for this job: the charts over time are empty (runs record one from this version on)")
        }
        summary = Self.facts(summaryPath: configuration.output.summaryPath)
        try readOutput(snapshot, pipeline: configuration.pipelinePath, display: configuration.output.displayPath)
        // The summary file is written when a run ends: a run under way, or one killed, has
        // records it does not count.
        let summarized = summary.first { $0.name == "records" }.flatMap { Int($0.value) }
        if summarized != digest.records {
            summaryIsStale = true
            notes.append(
                summarized.map {
                    "the summary table is OUTPUT.summary.json as the last run that ended wrote it (\($0) records); the output holds \(digest.records) records now, so a run is under way or one was killed: the charts and the other tables are as the job is now"
                } ?? "no run of this job has ended yet (no summary file): the charts and tables are as the job is now")
        }
    }

    /// Streams the output's committed records into `digest`.
    private mutating func readOutput(_ snapshot: OutputSnapshot, pipeline: String, display: String) throws(ReportError) {
        var digest = self.digest
        do {
            let lines = try OutputRecordLines(path: snapshot.path, length: snapshot.length)
            try lines.forEach { line in try digest.add(line: UnsafeRawBufferPointer(line)) }
        } catch let error as ReportLineError {
            throw .unreadableOutput(path: display, reason: error.reason, pipeline: pipeline)
        } catch {
            throw .unreadableOutput(path: display, reason: "\(error)", pipeline: pipeline)
        }
        self.digest = digest
    }

    /// The summary table from `OUTPUT.summary.json`, in the contract's names; empty when
    /// the file is missing (a run killed before its end writes none).
    static func facts(summaryPath: String) -> [Fact] {
        guard let data = FileManager.default.contents(atPath: summaryPath),
            case .object(let summary)? = try? [UInt8](data).withUnsafeBytes({ try JSONParser.parse($0) })
        else { return [] }
        let names: [(String, String)] = [
            ("items", "records"), ("succeeded", "succeeded"), ("failed", "failed"), ("rejected_rows", "rejected rows"),
            ("cache_hits", "from the cache"), ("requests", "requests"), ("retries", "retries"), ("rate_limited", "429 answers"),
            ("prompt_tokens", "prompt tokens"), ("completion_tokens", "completion tokens"),
            ("prompt_cache_hit_share", "prompt-cache hit share"), ("cost_usd", "cost (USD)"), ("saved_usd", "saved by the cache (USD)"),
            ("elapsed_s", "elapsed (s)"), ("complete", "complete"),
        ]
        var facts: [Fact] = []
        for (key, name) in names {
            if let value = summary[key] { facts.append(Fact(name, text(value))) }
        }
        if case .object(let budget)? = summary["budget"] {
            for (key, name) in [("spent_usd", "budget spent (USD)"), ("max_usd", "budget cap (USD)"), ("stopped", "stopped at the budget")] {
                if let value = budget[key], value != .null { facts.append(Fact(name, text(value))) }
            }
        }
        return facts
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: "unknown"
        case .bool(let flag): flag ? "yes" : "no"
        case .number(let text), .string(let text): text
        case .array, .object: "…"
        }
    }
}
