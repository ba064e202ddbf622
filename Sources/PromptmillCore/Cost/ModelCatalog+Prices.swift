extension ModelCatalog {
    /// The prices a job uses for `model`: the table's entry overlaid with `override`; nil
    /// when neither gives both an input and an output price.
    ///
    /// The tiers the table prices come along (`tierPrices`); an override of a standard
    /// figure moves each tier's figure with it, in the table's ratio.
    public func prices(for model: String, override: PriceOverride?) -> ModelPrices? {
        let info = info(for: model)
        let input = override?.input.map(Money.init(dollarsPerMillionTokens:)) ?? info?.inputPrice
        // An embedding or moderation model prices no output: zero, not unknown.
        let output =
            override?.output.map(Money.init(dollarsPerMillionTokens:)) ?? info?.outputPrice
            ?? (info?.mode == "embedding" || info?.mode == "moderation" ? .zero : nil)
        guard let input, let output else { return nil }
        let cached = override?.cachedInput.map(Money.init(dollarsPerMillionTokens:)) ?? info?.cachedInputPrice
        let written = override?.cacheWrite.map(Money.init(dollarsPerMillionTokens:)) ?? info?.cacheWritePrice
        let source: String
        if let override, !override.isEmpty {
            source = info == nil ? "pipeline pricing" : "pipeline pricing over the table of \(pricesDate)"
        } else {
            source = "table of \(pricesDate)"
        }
        var prices = ModelPrices(input: input, output: output, cachedInput: cached, cacheWrite: written, source: source)
        if let info { prices.tiers = Self.tierPrices(info, standard: prices.standard) }
        return prices
    }

    /// The tiers the table prices for `info`, moved with `standard` where the job's standard
    /// figures differ from the table's.
    ///
    /// A figure the table leaves out of a tier it prices (batch cached input for `gpt-4o`,
    /// say) is the table's standard figure times the tier's input ratio: OpenAI prices flex
    /// "at Batch API rates, with additional discounts from prompt caching"
    /// (developers.openai.com/api/docs/guides/flex-processing), and where the table has both
    /// a tier's cached price and the standard one they are in that ratio.
    static func tierPrices(_ info: ModelInfo, standard: TierPrices) -> [ServiceTier: TierPrices] {
        guard let tableInput = info.inputPrice else { return [:] }
        let table = TierPrices(
            input: tableInput, output: info.outputPrice ?? .zero, cachedInput: info.cachedInputPrice ?? tableInput,
            cacheWrite: info.cacheWritePrice ?? tableInput)
        var tiers: [ServiceTier: TierPrices] = [:]
        for (tier, figures) in info.tiers {
            guard let tierInput = figures.input else { continue }
            let ratio = table.input.picodollars > 0 ? Double(tierInput.picodollars) / Double(table.input.picodollars) : 1
            let tierTable = TierPrices(
                input: tierInput, output: figures.output ?? table.output.scaled(by: ratio),
                cachedInput: figures.cachedInput ?? table.cachedInput.scaled(by: ratio),
                cacheWrite: figures.cacheWrite ?? table.cacheWrite.scaled(by: ratio))
            // The job's standard figure over the table's, applied to the tier's; a figure the
            // job keeps stays exactly the table's.
            func moved(_ path: KeyPath<TierPrices, Money>) -> Money {
                let (was, now, tierFigure) = (table[keyPath: path], standard[keyPath: path], tierTable[keyPath: path])
                if was == now { return tierFigure }
                if was.picodollars > 0 { return now.scaled(by: Double(tierFigure.picodollars) / Double(was.picodollars)) }
                return now.scaled(by: ratio)
            }
            tiers[tier] = TierPrices(
                input: moved(\.input), output: moved(\.output), cachedInput: moved(\.cachedInput), cacheWrite: moved(\.cacheWrite))
        }
        return tiers
    }
}
