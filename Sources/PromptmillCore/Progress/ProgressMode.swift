/// How progress is shown on stderr.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// A bar on a terminal, plain lines otherwise.
    case auto
    /// A live bar redrawn in place.
    case bar
    /// A line every few seconds that a log collector can read.
    case plain
    case quiet
}
