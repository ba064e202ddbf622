import Foundation
import PromptmillSimulator

/// One run of a multi-step job: its time, and what the simulator admitted for each step's
/// model, with each step's bound at the limits.
struct StepsMeasurement {
    struct Step {
        var name: String
        var model: String
        var served: SimulatorModelStatistics
    }

    var seconds: Double
    var exitCode: Int32
    var rpm: Int
    var tpm: Int
    var steps: [Step]

    /// The least seconds a step's requests and tokens need with its buckets starting full:
    /// max((requests − RPM) / RPM, (tokens − TPM) / TPM, 0) minutes.
    func bound(_ step: Step) -> Double {
        max(Double(step.served.admitted - rpm) / Double(rpm), Double(step.served.chargedTokens - tpm) / Double(tpm), 0) * 60
    }

    var largestBound: Double { steps.map(bound).max() ?? 0 }

    /// The bound of every step's requests and tokens through one set of buckets: what a
    /// client that keeps one limiter for the whole job needs at best, however it orders
    /// the steps.
    var sharedBound: Double {
        let requests = steps.map(\.served.admitted).reduce(0, +)
        let tokens = steps.map(\.served.chargedTokens).reduce(0, +)
        return max(Double(requests - rpm) / Double(rpm), Double(tokens - tpm) / Double(tpm), 0) * 60
    }
    var sumOfBounds: Double { steps.map(bound).reduce(0, +) }

    func lines(title: String) -> [String] {
        var lines = [String(format: "%@: elapsed %.2f s, exit %d", title, seconds, exitCode)]
        for step in steps {
            let span =
                step.served.firstAdmitted.flatMap { first in
                    step.served.lastAdmitted.map { String(format: ", admitted from %.1f s to %.1f s after the start", first, $0) }
                } ?? ""
            lines.append(
                String(
                    format: "  step %@ (%@): %d requests, %d tokens reserved, %d answered 429; bound %.2f s%@",
                    step.name, step.model, step.served.admitted, step.served.chargedTokens, step.served.rateLimited,
                    bound(step), span))
        }
        let largest = largestBound
        lines.append(
            String(
                format:
                    "  largest step bound %.2f s; elapsed / largest bound %@; sum of step bounds %.2f s (a pass-by-pass run's least time); elapsed / sum %.3f",
                largest, largest > 0 ? String(format: "%.3f", seconds / largest) : "n/a", sumOfBounds,
                sumOfBounds > 0 ? seconds / sumOfBounds : 0))
        lines.append(
            String(
                format: "  all steps through one set of buckets (one limiter for the job): bound %.2f s; elapsed / that %.3f",
                sharedBound, sharedBound > 0 ? seconds / sharedBound : 0))
        return lines
    }
}
