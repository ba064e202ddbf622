import Foundation

/// `mode:` (and `--mode`): how a job's rows reach the API.
public enum JobMode: String, Sendable, CaseIterable {
    /// Requests sent as rows arrive, at the tier `params.service_tier` asks for.
    case live
    /// Every row the answer store does not answer goes through the Batch API
    /// (platform.openai.com/docs/guides/batch): half price, within its 24 h window.
    case batch
    /// Chosen by `deadline:`: batch when the deadline leaves the batch window and a margin,
    /// flex for what must run live where the model offers it, standard for what neither can
    /// finish in time (`ModePlan`).
    case auto
}

/// The way one request is served, as OpenAI prices it: the Batch API, or a live request at
/// the flex, standard (`default`) or priority tier (`service_tier` in the request and in the
/// answer; platform.openai.com/docs/guides/flex-processing).
public enum ServiceTier: String, Sendable, CaseIterable, Codable, Comparable {
    case batch
    case flex
    case standard = "default"
    case priority

    /// The tier an answer's `service_tier` names; `auto` and `scale` and unknown names are
    /// priced as standard, OpenAI's fallback.
    public init(served name: String?) {
        self = name.flatMap(ServiceTier.init(rawValue:)) ?? .standard
    }

    /// The summary's name: `batch`, `flex`, `standard`, `priority`.
    public var summaryName: String { self == .standard ? "standard" : rawValue }

    public static func < (lhs: ServiceTier, rhs: ServiceTier) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// `deadline:`: when the job must be done. A duration (`8h`, `90m`, `2d`, `45s`) counts from
/// the job's first run (recorded in its ledger), so a rerun keeps the same deadline; a time
/// is ISO 8601 with its zone (`2026-12-02T07:00:00+01:00`, `…Z`).
public enum Deadline: Sendable, Equatable {
    case after(Duration)
    case at(Date)

    /// The moment it falls, for a job first started at `started`.
    public func date(jobStarted started: Date) -> Date {
        switch self {
        case .after(let duration): started.addingTimeInterval(Double(duration.components.seconds))
        case .at(let date): date
        }
    }

    /// Parses `8h`, `90m`, `1.5h`, `2d`, `30s`, `1h30m`, or an ISO 8601 time with a zone; nil
    /// when it is neither (or longer than 10 years).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var seconds = 0.0
        var number = ""
        var parts = 0
        for character in trimmed {
            if character.isNumber || character == "." {
                number.append(character)
            } else if let scale = units[character], let value = Double(number), value.isFinite {
                seconds += value * scale
                number = ""
                parts += 1
            } else {
                parts = 0
                break
            }
        }
        if parts > 0, number.isEmpty {
            guard seconds > 0, seconds <= 10 * 365 * 86400 else { return nil }
            self = .after(.seconds(Int64(seconds.rounded())))
            return
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: trimmed) {
            self = .at(date)
            return
        }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) {
            self = .at(date)
            return
        }
        return nil
    }
}
