import Testing
@testable import PromptmillCore

@Suite struct UsageSplitterTests {
    /// Shares follow the weights and always add up to the request's total.
    @Test func sharesAddUpExactly() {
        #expect(UsageSplitter.split(10, weights: [1, 1, 1]) == [4, 3, 3])
        #expect(UsageSplitter.split(100, weights: [10, 30, 60]) == [10, 30, 60])
        #expect(UsageSplitter.split(7, weights: [0, 0]) == [4, 3])
        for total in [0, 1, 17, 1000] {
            #expect(UsageSplitter.split(total, weights: [3, 5, 7, 11]).reduce(0, +) == total)
        }
    }
}
