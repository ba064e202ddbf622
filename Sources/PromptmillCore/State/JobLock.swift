import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run per job: an exclusive `flock` on `STATE_DIR/NAME.lock`, which holds the pid of
/// the run. The kernel drops the lock when the process ends, however it ends, so a killed
/// run never leaves a stale lock behind.
public final class JobLock: Sendable {
    public let path: String
    private let descriptor: Int32

    public static func path(stateDirectory: String, jobName: String) -> String {
        stateDirectory + "/" + jobName + ".lock"
    }

    /// Takes the lock or throws `StateError.jobRunning` with the holder's pid.
    public init(path: String, jobName: String) throws(StateError) {
        self.path = path
        try PrivateFile.prepare(path)
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, what: "job lock", reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            SystemCalls.close(descriptor)
            throw .jobRunning(name: jobName, pid: Self.recordedPID(path))
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit {
        SystemCalls.close(descriptor)
    }

    /// The pid of the run holding the job, or nil when none does. Tests the lock without
    /// waiting; a run starting in the same microsecond could be refused, never corrupted.
    public static func holder(path: String) -> Int32? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { SystemCalls.close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return recordedPID(path) ?? -1
    }

    private static func recordedPID(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
