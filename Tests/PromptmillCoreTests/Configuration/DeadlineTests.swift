import Foundation
import Testing

@testable import PromptmillCore

@Suite struct DeadlineTests {
    @Test func durationsAndTimesWithAZone() {
        #expect(Deadline(parsing: "8h") == .after(.seconds(8 * 3600)))
        #expect(Deadline(parsing: "90m") == .after(.seconds(5400)))
        #expect(Deadline(parsing: "1.5h") == .after(.seconds(5400)))
        #expect(Deadline(parsing: "1h30m") == .after(.seconds(5400)))
        #expect(Deadline(parsing: "2d") == .after(.seconds(172_800)))
        #expect(Deadline(parsing: "2026-12-02T07:00:00+01:00") == .at(Date(timeIntervalSince1970: 1_796_191_200)))
        #expect(Deadline(parsing: "2026-12-02T06:00:00Z") == .at(Date(timeIntervalSince1970: 1_796_191_200)))
    }

    /// What a user may type wrong is refused (the resolver then names the key and line),
    /// never a crash: a number too large for a duration among them.
    @Test func badDeadlinesAreRefused() {
        for text in ["soon", "8 h", "0h", "-5m", "2026-12-02T07:00:00", "1e20d", "99999999999999999999s", "h", "5x", "1h30"] {
            #expect(Deadline(parsing: text) == nil, "\(text)")
        }
    }

    @Test func aDurationCountsFromTheJobsFirstRun() {
        let started = Date(timeIntervalSince1970: 1_000)
        #expect(Deadline.after(.seconds(60)).date(jobStarted: started) == Date(timeIntervalSince1970: 1_060))
    }
}
