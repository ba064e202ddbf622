import Foundation

/// How long an answer asks to wait before the next request: OpenAI's `retry-after-ms`, else
/// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3; IMF-fixdate, and the two
/// obsolete forms RFC 9110 §5.6.7 says to accept).
public enum RetryAfter {
    /// The wait `response` asks for; nil when it asks for none or says it in no known form.
    /// A date is measured from the answer's own `Date` header when it has one (so the
    /// machines' clocks need not agree), else from `now`; a date already past is no wait.
    public static func wait(in response: HTTPResponse, now: Date = Date()) -> Duration? {
        if let text = response.header("retry-after-ms"), let milliseconds = Double(text.trimmed), milliseconds >= 0, milliseconds.isFinite {
            return .milliseconds(Int64(milliseconds.rounded(.up)))
        }
        guard let text = response.header("retry-after")?.trimmed else { return nil }
        if let seconds = Double(text), seconds >= 0, seconds.isFinite {
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        guard let date = httpDate(text) else { return nil }
        let reference = response.header("date").flatMap(httpDate) ?? now
        let seconds = max(0, date.timeIntervalSince(reference))
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// `Wed, 02 Dec 2026 10:00:11 GMT`, `Wednesday, 02-Dec-26 10:00:11 GMT` or
    /// `Wed Dec  2 10:00:11 2026`.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")) {
                return date
            }
        }
        return nil
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
