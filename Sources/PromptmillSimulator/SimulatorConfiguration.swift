/// How the built-in simulator behaves: its limits, its latency and the faults it injects.
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port.
    public var port = 0
    /// nil: no limit.
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    /// Added before each answer.
    public var latency: Duration = .zero
    /// Per-attempt probabilities of each fault.
    public var faults = SimulatorFaults.none
    /// Every request is answered 429 `insufficient_quota`.
    public var insufficientQuota = false
    /// Choices come back in random order (their indices stay right).
    public var shuffleChoices = false
    /// When set, a request with any other bearer token gets 401 `invalid_api_key`.
    public var requiredAPIKey: String?
    /// Seeds the faults and the shuffling.
    public var seed: UInt64 = 42
    /// Keep every request received, for tests.
    public var recordRequests = false

    public init() {}
}

/// The share of requests (0...1) that meet each fault.
public struct SimulatorFaults: Sendable, Equatable {
    public var serverError500: Double
    public var serviceUnavailable503: Double
    /// The request is read, then the connection closes with no answer.
    public var droppedConnection: Double
    /// A 200 whose body stops halfway through its declared length.
    public var truncatedBody: Double

    public init(serverError500: Double = 0, serviceUnavailable503: Double = 0, droppedConnection: Double = 0, truncatedBody: Double = 0) {
        self.serverError500 = serverError500
        self.serviceUnavailable503 = serviceUnavailable503
        self.droppedConnection = droppedConnection
        self.truncatedBody = truncatedBody
    }

    public static let none = SimulatorFaults()

    /// `rate` spread evenly over the four kinds.
    public static func mixed(rate: Double) -> SimulatorFaults {
        SimulatorFaults(serverError500: rate / 4, serviceUnavailable503: rate / 4, droppedConnection: rate / 4, truncatedBody: rate / 4)
    }

    var total: Double { serverError500 + serviceUnavailable503 + droppedConnection + truncatedBody }
}

/// What the simulator has seen and answered.
public struct SimulatorStatistics: Sendable, Equatable {
    public var requests = 0
    /// Answers by HTTP status (dropped connections are not answers).
    public var byStatus: [Int: Int] = [:]
    public var rateLimited = 0
    public var dropped = 0
    public var truncated = 0
    /// Usage of the 200 answers that were delivered whole.
    public var promptTokens = 0
    public var completionTokens = 0
}

/// One request as the simulator received it.
public struct ReceivedRequest: Sendable {
    public var method: String
    public var path: String
    /// Whether an `Authorization: Bearer` header came (the key itself is not kept).
    public var hadBearer: Bool
    public var organization: String?
    public var project: String?
    public var body: [UInt8]
}
