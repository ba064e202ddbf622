/// What one way of serving a request (the Batch API, or the flex, standard or priority
/// tier) charges per token for one model.
public struct TierPrices: Sendable, Equatable {
    public var input: Money
    public var output: Money
    /// Prompt tokens the API served from its prompt cache.
    public var cachedInput: Money
    /// Prompt tokens written to the prompt cache.
    public var cacheWrite: Money

    public init(input: Money, output: Money, cachedInput: Money, cacheWrite: Money) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
    }

    /// The exact price of `usage`: prompt tokens at the input price, those served from the
    /// prompt cache at the cached-input price and those written to it at the cache-write
    /// price; completion tokens (reasoning tokens among them) at the output price. The
    /// usage's own tier is not read: the caller chose these prices for it.
    public func cost(of usage: TokenUsage) -> Money {
        input * (usage.promptTokens - usage.cachedPromptTokens - usage.cacheWriteTokens) + cachedInput * usage.cachedPromptTokens
            + cacheWrite * usage.cacheWriteTokens + output * usage.completionTokens
    }

    /// Every figure halved, to the nearest picodollar (halves rounded up): the Batch API's
    /// 50% discount.
    var halved: TierPrices {
        func half(_ money: Money) -> Money { Money(picodollars: (money.picodollars + 1) / 2) }
        return TierPrices(input: half(input), output: half(output), cachedInput: half(cachedInput), cacheWrite: half(cacheWrite))
    }
}

extension Money {
    /// This amount times `ratio`, to the nearest picodollar.
    func scaled(by ratio: Double) -> Money {
        Money(picodollars: Int64((Double(picodollars) * ratio).rounded()))
    }
}
