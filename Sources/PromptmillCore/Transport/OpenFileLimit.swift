#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`), which bounds the
/// requests a job can keep in flight: over HTTP/1.1 each request in flight holds a
/// connection of its own (RFC 9112 §9.3), and each connection a descriptor. Many systems
/// start a process with a soft limit of 1,024 (Linux) or 256 (macOS), far under what a large
/// account's quota needs at real latency, and far under the hard limit the process may raise
/// itself to.
public enum OpenFileLimit {
    /// Descriptors kept for everything but connections: the input, the output, the ledger,
    /// the cache, the metrics server, an in-process simulator's listener.
    public static let reserved = 256

    /// `RLIM_INFINITY`, which Swift cannot import on Glibc (a cast of -1 to an unsigned type).
    #if canImport(Glibc)
    public static let unlimited = rlim_t.max
    #else
    public static let unlimited = rlim_t(Int64.max)
    #endif

    /// Raises the soft limit to `raised(soft:hard:)`. Leaves the limit as it was when the
    /// system refuses.
    ///
    /// - Returns: the soft limit in force afterwards.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return current }
        let wanted = raised(soft: limit.rlim_cur, hard: limit.rlim_max)
        if wanted != limit.rlim_cur {
            limit.rlim_cur = wanted
            _ = setrlimit(resource, &limit)
        }
        return current
    }

    /// The soft limit to ask for: the hard limit, as Go's runtime raises it at start
    /// (go.dev/issue/46279); on Darwin no further than `OPEN_MAX`, as `setrlimit(2)` there
    /// refuses more. Never lower than `soft`.
    static func raised(soft: rlim_t, hard: rlim_t) -> rlim_t {
        var wanted = hard
        #if canImport(Darwin)
        wanted = min(wanted, rlim_t(OPEN_MAX))
        #endif
        return max(soft, wanted)
    }

    /// The soft limit now; `Int.max` when unlimited or unknown.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != unlimited else { return .max }
        return Int(clamping: limit.rlim_cur)
    }

    /// Connections the process can hold open at once: `connections(soft:)` of the soft
    /// limit now.
    public static var connections: Int { connections(soft: current) }

    /// Connections a soft limit of `soft` descriptors leaves: `soft` less `reserved`, and
    /// at least 16; `Int.max` for no limit.
    static func connections(soft: Int) -> Int {
        soft == .max ? .max : max(16, soft - reserved)
    }

    #if canImport(Glibc)
    private static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
    #else
    private static var resource: Int32 { RLIMIT_NOFILE }
    #endif
}
