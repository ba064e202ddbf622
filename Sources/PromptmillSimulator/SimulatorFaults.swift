/// The share of requests (0...1) that meet each fault.
public struct SimulatorFaults: Sendable, Equatable {
    public var serverError500: Double
    public var serviceUnavailable503: Double
    /// The request is read, then the connection closes with no answer.
    public var droppedConnection: Double
    /// A 200 whose body stops halfway through its declared length.
    public var truncatedBody: Double
    /// A 200 that sends half its body, then nothing more, keeping the connection open.
    public var stalledBody: Double

    public init(
        serverError500: Double = 0, serviceUnavailable503: Double = 0, droppedConnection: Double = 0, truncatedBody: Double = 0,
        stalledBody: Double = 0
    ) {
        self.serverError500 = serverError500
        self.serviceUnavailable503 = serviceUnavailable503
        self.droppedConnection = droppedConnection
        self.truncatedBody = truncatedBody
        self.stalledBody = stalledBody
    }

    public static let none = SimulatorFaults()

    /// `rate` spread evenly over the four kinds.
    public static func mixed(rate: Double) -> SimulatorFaults {
        SimulatorFaults(serverError500: rate / 4, serviceUnavailable503: rate / 4, droppedConnection: rate / 4, truncatedBody: rate / 4)
    }

    var total: Double { serverError500 + serviceUnavailable503 + droppedConnection + truncatedBody + stalledBody }
}
