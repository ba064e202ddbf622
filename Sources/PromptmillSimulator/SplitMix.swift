/// A small seeded generator (SplitMix64): the same faults for the same seed, on any machine.
struct SplitMix: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { AnswerRules.next(&state) }
}
