import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Joins a shared job's part files into its one output: each part's committed bytes (whole
/// gzip members, so their concatenation is one valid gzip stream, RFC 1952 §2.2), copied in
/// run order into a temporary file that is synced and renamed over the output, so a reader
/// sees the old output or the new one, never half of it. Bytes a killed worker wrote after
/// its last commit are not the job's and are left out.
///
/// Two parts may hold the same row only when a worker lost its lease while alive (stalled
/// for longer than the lease) and another worker recorded its rows again; then the parts are
/// decompressed and each record is kept once, by its `id`, first part first.
public enum PartCollector {
    public struct Result: Sendable, Equatable {
        /// Records written.
        public var records: Int
        /// Records left out because an earlier part held their row.
        public var repeated: Int
    }

    /// Writes `output` from `parts`. Throws `OutputError` when a part is missing or shorter
    /// than its committed records (its worker's disk is not the shared one), or the output
    /// cannot be written.
    public static func collect(_ parts: [OutputPart], into output: String) throws -> Result {
        var rows = RowSet()
        var overlap = 0
        var records = 0
        for part in parts {
            overlap += rows.insert(part.rows)
            records += part.rows.count
        }
        for part in parts {
            let size = (try? FileManager.default.attributesOfItem(atPath: part.path)[.size] as? UInt64) ?? nil
            guard let size, size >= part.committedEnd else {
                throw OutputError.cannotRead(
                    path: part.path,
                    reason: size.map {
                        "the part of worker run \(part.run) holds \($0) bytes, fewer than the \(part.committedEnd) its commits recorded"
                    }
                        ?? "the part of worker run \(part.run) is missing: every worker must write to one shared output folder (a shared volume); run `promptmill collect` where they all are"
                )
            }
        }
        try FileManager.default.createDirectory(
            atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temporary = output + ".collect.tmp"
        let result: Result
        if overlap == 0 {
            try copy(parts, into: temporary)
            result = Result(records: records, repeated: 0)
        } else {
            result = try deduplicate(parts, into: temporary)
        }
        guard rename(temporary, output) == 0 else {
            throw OutputError.cannotCreate(path: output, reason: String(cString: strerror(errno)))
        }
        return result
    }

    /// The parts' rejects files (`PART.rejects.jsonl`) joined into the job's, each line once.
    public static func collectRejects(_ parts: [OutputPart], into path: String) throws {
        var seen = Set<String>()
        var text = ""
        for part in parts {
            guard let contents = try? String(contentsOfFile: part.path + ".rejects.jsonl", encoding: .utf8) else { continue }
            for line in contents.split(separator: "\n") where seen.insert(String(line)).inserted { text += line + "\n" }
        }
        guard !text.isEmpty else { return }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw OutputError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }

    private static func copy(_ parts: [OutputPart], into temporary: String) throws {
        let target = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard target >= 0 else { throw OutputError.cannotCreate(path: temporary, reason: String(cString: strerror(errno))) }
        defer { close(target) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var written: UInt64 = 0
        for part in parts where part.committedEnd > 0 {
            let source = open(part.path, O_RDONLY)
            guard source >= 0 else { throw OutputError.cannotRead(path: part.path, reason: String(cString: strerror(errno))) }
            defer { close(source) }
            var left = part.committedEnd
            while left > 0 {
                let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, Int(min(UInt64($0.count), left))) }
                guard count > 0 else {
                    throw OutputError.cannotRead(path: part.path, reason: count == 0 ? "it ended early" : String(cString: strerror(errno)))
                }
                var offset = 0
                while offset < count {
                    let sent = buffer.withUnsafeBytes { write(target, $0.baseAddress! + offset, count - offset) }
                    guard sent > 0 else { throw OutputError.writeFailed(path: temporary, reason: String(cString: strerror(errno))) }
                    offset += sent
                }
                left -= UInt64(count)
                written += UInt64(count)
            }
        }
        if written == 0 {
            // No records: still a valid (empty) gzip stream.
            close(target)
            let empty = try GzipMemberWriter(path: temporary, appending: false)
            try empty.finishEmptyFile()
            try empty.sync()
            return
        }
        guard fsync(target) == 0 else { throw OutputError.writeFailed(path: temporary, reason: String(cString: strerror(errno))) }
    }

    private static func deduplicate(_ parts: [OutputPart], into temporary: String) throws -> Result {
        let writer = try GzipMemberWriter(path: temporary, appending: false)
        var ids = Set<[UInt8]>()
        var result = Result(records: 0, repeated: 0)
        for part in parts where part.committedEnd > 0 {
            // The committed prefix, on its own, to read its records.
            let prefix = temporary + ".part"
            defer { unlink(prefix) }
            try copy([OutputPart(run: part.run, path: part.path, committedEnd: part.committedEnd, rows: part.rows)], into: prefix)
            let bytes = try GzipMemberWriter.decompressAll(path: prefix)
            var lines: [UInt8] = []
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                guard let id = recordID(line) else {
                    throw OutputError.cannotRead(path: part.path, reason: "a record without an id")
                }
                if ids.insert(id).inserted {
                    lines.append(contentsOf: line)
                    lines.append(UInt8(ascii: "\n"))
                    result.records += 1
                } else {
                    result.repeated += 1
                }
            }
            try writer.write(lines)
            _ = try writer.finishMember()
        }
        try writer.finishEmptyFile()
        try writer.sync()
        try writer.close()
        return result
    }

    /// A record's `id` as its JSON text.
    private static func recordID(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        guard case .object(let object)? = try? Array(line).withUnsafeBytes({ try JSONParser.parse($0) }), let id = object["id"] else {
            return nil
        }
        var writer = JSONWriter()
        writer.value(id)
        return writer.bytes
    }
}
