import Testing
import PromptmillCore

@Suite struct ModelCatalogTests {
    /// The built-in table loads with its date, and prices become exact picodollars per token.
    @Test func builtInTableHasPricesAndDate() throws {
        let catalog = try ModelCatalog.builtIn()
        #expect(catalog.pricesDate == "2026-12-01")
        let instruct = try #require(catalog.info(for: "gpt-3.5-turbo-instruct"))
        #expect(instruct.inputPrice == Money(picodollars: 1_500_000))
        #expect(instruct.outputPrice == Money(picodollars: 2_000_000))
        #expect(instruct.contextWindow == 8192)
    }

    /// Dated and fine-tuned names fall back to their base model's entry.
    @Test func datedAndFineTunedNamesFallBack() throws {
        let catalog = try ModelCatalog.builtIn()
        #expect(catalog.info(for: "gpt-4o-mini-2099-01-01") == catalog.info(for: "gpt-4o-mini"))
        #expect(catalog.info(for: "ft:gpt-4o-mini:acme::abc123") == catalog.info(for: "gpt-4o-mini"))
        #expect(catalog.info(for: "no-such-model") == nil)
    }

    /// Money adds exactly and prints to the millionth of a dollar.
    @Test func moneyIsExact() {
        var total = Money.zero
        for _ in 0..<10 { total = total + Money(dollars: 0.1) }
        #expect(total == Money(dollars: 1))
        #expect(Money(picodollars: 1_500_000 * 41 + 2_000_000).description == "$0.000064")
        #expect(Money(dollars: 12.3456789).description == "$12.345679")
    }
}
