import Testing
@testable import PromptmillCore

/// Prices per service tier: the table's batch, flex and priority figures, the rules for a
/// tier without figures, and what `pricing:` overrides do to them.
@Suite struct TierPriceTests {
    static let catalog = Result { try ModelCatalog.builtIn() }

    func prices(_ model: String, _ override: PriceOverride? = nil) throws -> ModelPrices {
        try #require(try Self.catalog.get().prices(for: model, override: override))
    }

    /// The table of 2026-12-01 carries each tier's four figures where litellm gives them.
    @Test func tableCarriesBatchFlexAndPriorityFigures() throws {
        let catalog = try Self.catalog.get()
        #expect(catalog.pricesDate == "2026-12-01")
        let mini = try prices("gpt-5-mini")
        #expect(mini.standard == TierPrices(input: pd(250_000), output: pd(2_000_000), cachedInput: pd(25_000), cacheWrite: pd(250_000)))
        #expect(mini.prices(for: .batch) == TierPrices(input: pd(125_000), output: pd(1_000_000), cachedInput: pd(12_500), cacheWrite: pd(125_000)))
        #expect(mini.prices(for: .flex) == mini.prices(for: .batch))
        #expect(
            mini.prices(for: .priority) == TierPrices(input: pd(450_000), output: pd(3_600_000), cachedInput: pd(45_000), cacheWrite: pd(450_000)))
        // Cache writes priced per tier where the model has them.
        #expect(try prices("gpt-5.6").prices(for: .flex).cacheWrite == pd(2_500_000))
        #expect(catalog.info(for: "gpt-4o-mini")?.batchInputPrice == pd(75_000))
        #expect(catalog.info(for: "gpt-4o-mini")?.tiers[.flex] == nil)
    }

    /// Flex and priority are offered only where the table prices them; standard and batch
    /// always.
    @Test func offersFlexOnlyWhereTheTablePricesIt() throws {
        let mini = try prices("gpt-5-mini")
        #expect(ServiceTier.allCases.allSatisfy { mini.offers($0) })
        let fourO = try prices("gpt-4o-mini")
        #expect(fourO.offers(.standard) && fourO.offers(.batch) && fourO.offers(.priority))
        #expect(!fourO.offers(.flex))
        let instruct = try prices("gpt-3.5-turbo-instruct")
        #expect(instruct.offers(.batch))
        #expect(!instruct.offers(.flex) && !instruct.offers(.priority))
        #expect(!instruct.hasOwnFigures(for: .batch) && mini.hasOwnFigures(for: .batch))
    }

    /// A usage is priced by the tier that served it, every figure of that tier.
    @Test func costFollowsTheServedTier() throws {
        let mini = try prices("gpt-5-mini")
        func usage(_ tier: ServiceTier) -> TokenUsage {
            TokenUsage(promptTokens: 3000, completionTokens: 200, cachedPromptTokens: 2048, reasoningTokens: 64, tier: tier)
        }
        #expect(mini.cost(of: usage(.standard)) == pd(250_000) * 952 + pd(25_000) * 2048 + pd(2_000_000) * 200)
        #expect(mini.cost(of: usage(.batch)) == pd(125_000) * 952 + pd(12_500) * 2048 + pd(1_000_000) * 200)
        #expect(mini.cost(of: usage(.flex)) == mini.cost(of: usage(.batch)))
        #expect(mini.cost(of: usage(.priority)) == pd(450_000) * 952 + pd(45_000) * 2048 + pd(3_600_000) * 200)
        // Exactly half, to the picodollar: the batch-versus-live acceptance.
        #expect(mini.cost(of: usage(.batch)) * 2 == mini.cost(of: usage(.standard)))
        #expect(mini.promptCacheSavings(of: usage(.batch)) == (pd(125_000) - pd(12_500)) * 2048)
    }

    /// A figure the table leaves out of a tier it prices is the standard figure times the
    /// tier's input ratio: gpt-4o's batch cached input is half its cached input, and o3's
    /// equals the table's flex figure, flex being priced at batch rates.
    @Test func missingTierFiguresFollowTheTiersInputRatio() throws {
        let fourO = try prices("gpt-4o")
        #expect(fourO.prices(for: .batch).cachedInput == pd(625_000))
        let o3 = try prices("o3")
        #expect(o3.prices(for: .batch).cachedInput == pd(250_000))
        #expect(o3.prices(for: .batch).cachedInput == o3.prices(for: .flex).cachedInput)
        // Embeddings: no output, any tier.
        #expect(
            try prices("text-embedding-3-small").prices(for: .batch)
                == TierPrices(input: pd(10_000), output: .zero, cachedInput: pd(10_000), cacheWrite: pd(10_000)))
    }

    /// Without figures: batch is half of standard (OpenAI's Batch API discount), flex the
    /// batch prices (OpenAI prices flex at batch rates), priority the standard figures.
    @Test func tiersWithoutFiguresFollowTheDocumentedRules() throws {
        let instruct = try prices("gpt-3.5-turbo-instruct")
        let half = TierPrices(input: pd(750_000), output: pd(1_000_000), cachedInput: pd(750_000), cacheWrite: pd(750_000))
        #expect(instruct.prices(for: .batch) == half)
        #expect(instruct.prices(for: .flex) == half)
        #expect(instruct.prices(for: .priority) == instruct.standard)
        // gpt-4o-mini has batch figures but no flex ones: flex is its batch prices.
        let fourO = try prices("gpt-4o-mini")
        #expect(fourO.prices(for: .flex) == fourO.prices(for: .batch))
        // Odd picodollars halve to the nearest, halves up.
        let odd = ModelPrices(input: pd(3), output: pd(5), source: "test")
        #expect(odd.prices(for: .batch) == TierPrices(input: pd(2), output: pd(3), cachedInput: pd(2), cacheWrite: pd(2)))
    }

    /// `worstCase` and `leastCost` take the tier, standard by default.
    @Test func worstCaseAndLeastCostTakeTheTier() throws {
        let mini = try prices("gpt-5-mini")
        #expect(mini.worstCase(promptTokens: 1000, completionTokens: 50) == pd(250_000) * 1000 + pd(2_000_000) * 50)
        #expect(mini.worstCase(promptTokens: 1000, completionTokens: 50, tier: .batch) == pd(125_000) * 1000 + pd(1_000_000) * 50)
        #expect(mini.worstCase(promptTokens: 1000, completionTokens: 50, tier: .priority) == pd(450_000) * 1000 + pd(3_600_000) * 50)
        // 1,300 prompt tokens: 1,280 may come from the prompt cache.
        #expect(mini.leastCost(promptTokens: 1300) == pd(250_000) * 20 + pd(25_000) * 1280)
        #expect(mini.leastCost(promptTokens: 1300, tier: .flex) == pd(125_000) * 20 + pd(12_500) * 1280)
        // The cache-write price counts where it is dearer than input.
        let sixSix = try prices("gpt-5.6")
        #expect(sixSix.worstCase(promptTokens: 10, completionTokens: 0, tier: .batch) == pd(2_500_000) * 10)
    }

    /// `pricing:` sets standard figures; each tier's figure moves with its standard figure in
    /// the table's ratio, and a figure not overridden keeps the table's tier figure exactly.
    @Test func overridesMoveTierFiguresInTheTablesRatio() throws {
        let mini = try prices("gpt-5-mini", PriceOverride(input: 1.00, cachedInput: 0.05))
        #expect(mini.input == pd(1_000_000))
        #expect(mini.prices(for: .batch) == TierPrices(input: pd(500_000), output: pd(1_000_000), cachedInput: pd(25_000), cacheWrite: pd(500_000)))
        #expect(mini.prices(for: .flex) == mini.prices(for: .batch))
        #expect(
            mini.prices(for: .priority) == TierPrices(input: pd(1_800_000), output: pd(3_600_000), cachedInput: pd(90_000), cacheWrite: pd(1_800_000))
        )
        #expect(mini.offers(.flex))
        // No override, or an empty one: the table's figures, untouched.
        #expect(try prices("gpt-5-mini", PriceOverride()) == prices("gpt-5-mini"))
        // A model the table does not know has no tier figures: the rules apply.
        let house = try prices("house-model", PriceOverride(input: 2, output: 6))
        #expect(house.tiers.isEmpty)
        #expect(
            house.prices(for: .batch)
                == TierPrices(input: pd(1_000_000), output: pd(3_000_000), cachedInput: pd(1_000_000), cacheWrite: pd(1_000_000)))
        #expect(!house.offers(.flex))
        #expect(house.source == "pipeline pricing")
        // An override of a figure the table prices at zero moves its tiers by the input ratio.
        let embedding = try prices("text-embedding-3-small", PriceOverride(output: 1))
        #expect(embedding.prices(for: .batch).output == pd(500_000))
    }

    func pd(_ picodollars: Int64) -> Money { Money(picodollars: picodollars) }
}
