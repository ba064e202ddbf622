/// What the report reads from the job's output records, in one pass and constant memory:
/// the costliest rows (a bounded top list), the failed rows by error type with a few
/// examples each, and the rows by outcome per step.
public struct OutputDigest: Sendable, Equatable {
    public struct CostlyRow: Sendable, Equatable {
        public var id: String
        public var costUSD: Double
        public var promptTokens: Int
        public var completionTokens: Int
        public var attempts: Int
    }

    public struct FailureExample: Sendable, Equatable {
        public var id: String
        public var message: String
        public var status: Int?
        /// The step that failed, in a multi-step job.
        public var step: String?
    }

    public struct FailureGroup: Sendable, Equatable {
        public var type: String
        public var count = 0
        public var examples: [FailureExample] = []
    }

    /// How many costliest rows are kept, and examples per error type.
    public let costliestLimit: Int
    public let examplesPerType: Int
    /// Error types beyond this many are counted under `other`.
    public static let typeLimit = 40

    public private(set) var records = 0
    public private(set) var answered = 0
    public private(set) var fromCache = 0
    public private(set) var failed = 0
    /// Costliest first.
    public private(set) var costliest: [CostlyRow] = []
    /// Failures by error type, in the order first seen.
    public private(set) var failures: [FailureGroup] = []
    /// Steps in the order first seen, and per step the rows by outcome: `answered`,
    /// `from cache`, `failed: TYPE`, `skipped (when)`.
    public private(set) var steps: [String] = []
    public private(set) var outcomes: [String: [String: Int]] = [:]

    /// `stepName`: the step a one-step job's records belong to.
    let stepName: String

    public init(stepName: String, costliestLimit: Int = 20, examplesPerType: Int = 3) {
        self.stepName = stepName
        self.costliestLimit = costliestLimit
        self.examplesPerType = examplesPerType
    }

    /// Adds one record line. Throws when it is not a JSON object with a string `id`.
    public mutating func add(line: UnsafeRawBufferPointer) throws(ReportLineError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw ReportLineError(reason: error.description)
        }
        guard case .object(let record) = value, case .string(let id)? = record["id"] else {
            throw ReportLineError(reason: "a line is not a record with an \"id\"")
        }
        add(record: record, id: id)
    }

    mutating func add(record: JSONObject, id: String) {
        records += 1
        let error = Self.failure(record["error"], id: id)
        if let error {
            failed += 1
            note(error)
        } else if record["cached"] == .bool(true) {
            fromCache += 1
        } else {
            answered += 1
        }
        if let cost = Self.number(record["cost_usd"]), cost > 0 {
            var tokens = (prompt: 0, completion: 0)
            if case .object(let usage)? = record["usage"] {
                tokens = (Int(Self.number(usage["prompt_tokens"]) ?? 0), Int(Self.number(usage["completion_tokens"]) ?? 0))
            }
            keep(
                CostlyRow(
                    id: id, costUSD: cost, promptTokens: tokens.prompt, completionTokens: tokens.completion,
                    attempts: Int(Self.number(record["attempts"]) ?? 0)))
        }
        if case .object(let each)? = record["steps"] {
            for (name, value) in zip(each.keys, each.values) {
                guard case .object(let step) = value else { continue }
                count(step: name, outcome: Self.outcome(step, id: id))
            }
        } else {
            count(step: stepName, outcome: Self.outcome(record, id: id))
        }
    }

    private static func outcome(_ result: JSONObject, id: String) -> String {
        if let failure = failure(result["error"], id: id) { return "failed: " + failure.type }
        if result["skipped"] == .bool(true) { return "skipped (when)" }
        return result["cached"] == .bool(true) ? "from cache" : "answered"
    }

    private mutating func count(step: String, outcome: String) {
        if outcomes[step] == nil {
            steps.append(step)
            outcomes[step] = [:]
        }
        outcomes[step]![outcome, default: 0] += 1
    }

    private static func failure(_ value: JSONValue?, id: String) -> (type: String, example: FailureExample)? {
        guard case .object(let error)? = value else { return nil }
        var type = "error"
        if case .string(let text)? = error["type"] { type = text }
        var example = FailureExample(id: id, message: "", status: number(error["status"]).map { Int($0) })
        if case .string(let text)? = error["message"] { example.message = text }
        if case .string(let text)? = error["step"] { example.step = text }
        return (type, example)
    }

    private mutating func note(_ failure: (type: String, example: FailureExample)) {
        var type = failure.type
        var index = failures.firstIndex { $0.type == type }
        if index == nil, failures.count >= Self.typeLimit {
            type = "other"
            index = failures.firstIndex { $0.type == type }
        }
        if index == nil {
            failures.append(FailureGroup(type: type))
            index = failures.count - 1
        }
        failures[index!].count += 1
        if failures[index!].examples.count < examplesPerType { failures[index!].examples.append(failure.example) }
    }

    /// Inserts `row` into the top list, kept sorted costliest first and `costliestLimit` long.
    private mutating func keep(_ row: CostlyRow) {
        if costliest.count == costliestLimit, let last = costliest.last, row.costUSD <= last.costUSD { return }
        var low = 0
        var high = costliest.count
        while low < high {
            let middle = (low + high) / 2
            if costliest[middle].costUSD >= row.costUSD { low = middle + 1 } else { high = middle }
        }
        costliest.insert(row, at: low)
        if costliest.count > costliestLimit { costliest.removeLast() }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        if case .number(let text)? = value { return Double(text) }
        return nil
    }
}

/// A line of the output that is not a record.
public struct ReportLineError: Error, Sendable {
    public var reason: String
}
