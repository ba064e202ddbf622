import ArgumentParser
import Foundation
import PromptmillCore

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Look after the response cache shared by all jobs.",
        subcommands: [Stats.self, Prune.self, Clear.self])

    struct Location: ParsableArguments {
        @Option(help: "The cache's SQLite file (default $XDG_CACHE_HOME/promptmill/responses.sqlite).")
        var cache: String?

        var path: String {
            cache.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                ?? ResponseCache.defaultPath(environment: ProcessInfo.processInfo.environment)
        }

        func open() throws -> ResponseCache {
            guard FileManager.default.fileExists(atPath: path) else {
                Terminal.error("there is no response cache at \(path) — a run creates it (or name one with --cache)")
                throw ExitCode(1)
            }
            do {
                return try ResponseCache(path: path)
            } catch {
                Terminal.error(error.description)
                throw ExitCode(1)
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries, size on disk and entries by model.")

        @OptionGroup var location: Location

        func run() throws {
            let statistics: ResponseCache.Statistics
            do {
                statistics = try location.open().statistics()
            } catch let error as StateError {
                Terminal.error(error.description)
                throw ExitCode(1)
            }
            print("cache: \(location.path)")
            print("entries: \(statistics.entries), \(Self.size(statistics.fileBytes)) on disk")
            let formatter = ISO8601DateFormatter()
            if let oldest = statistics.oldest, let newest = statistics.newest {
                print("stored: \(formatter.string(from: oldest)) to \(formatter.string(from: newest))")
            }
            for model in statistics.models {
                print("  \(model.model): \(model.entries) entries, \(Self.size(model.bytes)) of answers")
            }
        }

        static func size(_ bytes: Int) -> String {
            let units = ["bytes", "KB", "MB", "GB", "TB"]
            var value = Double(bytes)
            var unit = 0
            while value >= 1024, unit < units.count - 1 {
                value /= 1024
                unit += 1
            }
            return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove entries older than an age, e.g. --older-than 30d.")

        @OptionGroup var location: Location

        @Option(name: .customLong("older-than"), help: "An age: a number and s, m, h, d or w (30d, 12h, 2w).")
        var olderThan: CacheAge

        func run() throws {
            do {
                let removed = try location.open().prune(olderThan: Date().addingTimeInterval(-olderThan.seconds))
                print("removed \(removed) entries older than \(olderThan.text) from \(location.path)")
            } catch let error as StateError {
                Terminal.error(error.description)
                throw ExitCode(1)
            }
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every entry.")

        @OptionGroup var location: Location

        func run() throws {
            do {
                let removed = try location.open().clear()
                print("removed \(removed) entries from \(location.path)")
            } catch let error as StateError {
                Terminal.error(error.description)
                throw ExitCode(1)
            }
        }
    }
}

/// An age such as `30d`: a whole number and a unit (s, m, h, d, w).
struct CacheAge: ExpressibleByArgument {
    var seconds: TimeInterval
    var text: String

    init?(argument: String) {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let unit = argument.last, let scale = units[unit], let count = Int(argument.dropLast()), count >= 0 else { return nil }
        seconds = TimeInterval(count) * scale
        text = argument
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
