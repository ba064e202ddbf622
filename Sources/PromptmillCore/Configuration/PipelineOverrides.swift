/// Command-line flags that beat the pipeline file's keys.
public struct PipelineOverrides: Sendable {
    /// Paths given as flags are relative to the working directory, as in any Unix tool.
    public var outputPath: String?
    public var baseURL: String?
    /// When set, the run targets the built-in simulator and needs no key.
    public var mockBaseURL: String?
    /// `--no-cache`: neither read nor write the response cache.
    public var noCache = false
    /// `--cache PATH`.
    public var cachePath: String?
    /// `--state-dir DIR`.
    public var stateDirectory: String?
    /// `--max-usd N`: beats `budget.max_usd`.
    public var maxUSD: Double?
    /// `--mode live|batch|auto`: beats `mode:`.
    public var mode: JobMode?
    /// `--deadline`: beats `deadline:`.
    public var deadline: String?
    /// `--state URL`: beats `state:` and `PROMPTMILL_DATABASE_URL`.
    public var state: String?

    public init(outputPath: String? = nil, baseURL: String? = nil, mockBaseURL: String? = nil) {
        self.outputPath = outputPath
        self.baseURL = baseURL
        self.mockBaseURL = mockBaseURL
    }
}
