import Foundation

/// Messages for people, on stderr.
enum Terminal {
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        say(text.split(separator: "\n", omittingEmptySubsequences: false).map { "error: \($0)" }.joined(separator: "\n"))
    }
}
