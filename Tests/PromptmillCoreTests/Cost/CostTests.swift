import Foundation
import Testing
@testable import PromptmillCore
import PromptmillTesting

/// Prices, exact money, and the guard that keeps spend under a budget (no sleeping: the
/// waits are on other reservations, settled by the test itself).
@Suite struct CostTests {
    @Test func pricesPerMillionTokensAreExactPicodollars() {
        #expect(Money(dollarsPerMillionTokens: 1.50) == Money(picodollars: 1_500_000))
        #expect(Money(dollarsPerMillionTokens: 0.075) == Money(picodollars: 75_000))
        #expect(Money(dollarsPerMillionTokens: 0.02) == Money(picodollars: 20_000))
        #expect(Money(picodollars: 63_500_000).decimalText == "0.0000635")
        #expect(Money(picodollars: 12_000_000_000_000).decimalText == "12")
        #expect(Money(picodollars: -500_000_000_000).decimalText == "-0.5")
        #expect(Money(picodollars: 1).decimalText == "0.000000000001")
        // A million rows of a price that has no exact float: the integer sum does not drift.
        let row = Money(dollars: 0.0000635)
        #expect((row * 1_000_000).decimalText == "63.5")
    }

    @Test func cachedPromptTokensArePricedAtTheCachedPrice() {
        let prices = ModelPrices(
            input: Money(picodollars: 150_000), output: Money(picodollars: 600_000),
            cachedInput: Money(picodollars: 75_000), source: "test")
        let usage = TokenUsage(promptTokens: 2000, completionTokens: 10, cachedPromptTokens: 1152)
        #expect(prices.cost(of: usage) == Money(picodollars: 150_000 * 848 + 75_000 * 1152 + 600_000 * 10))
        #expect(prices.worstCase(promptTokens: 2000, completionTokens: 16) == Money(picodollars: 150_000 * 2000 + 600_000 * 16))
        // No cached price: cached tokens cost the input price.
        let plain = ModelPrices(input: Money(picodollars: 1_500_000), output: Money(picodollars: 2_000_000), source: "test")
        #expect(plain.cost(of: usage) == Money(picodollars: 1_500_000 * 2000 + 2_000_000 * 10))
    }

    @Test func pipelinePricingOverridesTheTable() throws {
        let catalog = try ModelCatalog.builtIn()
        let table = try #require(catalog.prices(for: "gpt-4o-mini", override: nil))
        #expect(table.input == Money(picodollars: 150_000))
        #expect(table.cachedInput == Money(picodollars: 75_000))
        #expect(table.source == "table of \(catalog.pricesDate)")
        let overridden = try #require(catalog.prices(for: "gpt-4o-mini", override: PriceOverride(output: 0.5)))
        #expect(overridden.input == Money(picodollars: 150_000))
        #expect(overridden.output == Money(picodollars: 500_000))
        #expect(overridden.source.hasPrefix("pipeline pricing over the table"))
        #expect(catalog.prices(for: "house-model", override: nil) == nil)
        #expect(catalog.prices(for: "house-model", override: PriceOverride(input: 1)) == nil)
        #expect(catalog.prices(for: "house-model", override: PriceOverride(input: 1, output: 2))?.output == Money(picodollars: 2_000_000))
        #expect(catalog.prices(for: "text-embedding-3-small", override: nil)?.output == .zero)
    }

    @Test func responseUsageReadsCachedTokens() throws {
        let body = Array(
            """
            {"choices":[{"index":0,"text":"a","finish_reason":"stop"}],
             "usage":{"prompt_tokens":1300,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":1152}}}
            """.utf8)
        let answer = try CompletionsResponse.parse(body, promptCount: 1, choicesPerPrompt: 1)
        #expect(answer.usage == TokenUsage(promptTokens: 1300, completionTokens: 1, cachedPromptTokens: 1152))
    }

    // MARK: - The guard

    @Test func reservationsNeverPassTheCap() async {
        let spend = SpendGuard(cap: Money(picodollars: 100), warnAt: nil, spent: Money(picodollars: 10)) { _ in }
        #expect(await spend.reserve(Money(picodollars: 60)))
        #expect(await spend.available == Money(picodollars: 30))
        // Doesn't fit while the first is open: waits, and the first settles cheaper.
        async let second = spend.reserve(Money(picodollars: 50))
        await Task.yield()
        await spend.settle(reserved: Money(picodollars: 60), cost: Money(picodollars: 20))
        #expect(await second)
        #expect(await spend.spentSoFar == Money(picodollars: 30))
        #expect(await spend.available == Money(picodollars: 20))
        // An error answer gives its reservation back.
        await spend.release(Money(picodollars: 50))
        #expect(await spend.available == Money(picodollars: 70))
        // Nothing open and it does not fit: refused at once.
        #expect(await spend.reserve(Money(picodollars: 71)) == false)
        // A timeout keeps its reservation as spent, and says so.
        #expect(await spend.reserve(Money(picodollars: 40)))
        await spend.hold(Money(picodollars: 40))
        #expect(await spend.spentSoFar == Money(picodollars: 70))
        #expect(await spend.heldSoFar == Money(picodollars: 40))
        #expect(await spend.available == Money(picodollars: 30))
    }

    @Test func aWaitingReservationIsRefusedWhenWhatIsOpenLeavesNoRoom() async {
        let spend = SpendGuard(cap: Money(picodollars: 100), warnAt: nil, spent: .zero) { _ in }
        #expect(await spend.reserve(Money(picodollars: 80)))
        async let second = spend.reserve(Money(picodollars: 50))
        await Task.yield()
        await spend.settle(reserved: Money(picodollars: 80), cost: Money(picodollars: 80))
        #expect(await second == false)
        #expect(await spend.spentSoFar == Money(picodollars: 80))
    }

    @Test func warnsOnceWhenCrossed() async {
        let warnings = LockedLines()
        let spend = SpendGuard(cap: nil, warnAt: Money(picodollars: 50), spent: .zero) { warnings.append($0) }
        for _ in 0..<5 {
            #expect(await spend.reserve(Money(picodollars: 1_000)))
            await spend.settle(reserved: Money(picodollars: 1_000), cost: Money(picodollars: 20))
        }
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("$0.000000") == true)
        // Already past the mark when the run starts: one warning at once, none later.
        let late = LockedLines()
        let resumed = SpendGuard(cap: nil, warnAt: Money(picodollars: 50), spent: Money(picodollars: 60)) { late.append($0) }
        await resumed.settle(reserved: .zero, cost: Money(picodollars: 5))
        #expect(late.all.count == 1)
    }
}
