/// A price override from the pipeline's `pricing:` key, in USD per 1M tokens. A field left
/// out keeps the table's figure.
///
/// The figures are the standard tier's. The Batch API's, flex's and priority's prices keep
/// the table's ratio to standard, figure by figure: with `input: 1.00` on a model whose
/// table prices batch input at half its standard input, batch input becomes $0.50 per 1M
/// (`ModelCatalog.prices(for:override:)`). A model the table does not know has no tier
/// figures, so `ModelPrices.prices(for:)` applies its rules (batch and flex at half).
public struct PriceOverride: Sendable, Equatable {
    public var input: Double?
    public var output: Double?
    public var cachedInput: Double?
    public var cacheWrite: Double?

    public init(input: Double? = nil, output: Double? = nil, cachedInput: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
    }

    /// Whether it sets any figure.
    var isEmpty: Bool { input == nil && output == nil && cachedInput == nil && cacheWrite == nil }
}
