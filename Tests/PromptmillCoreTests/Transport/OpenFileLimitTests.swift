#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import PromptmillCore

/// The open-file limit a job's connections need is raised from the soft limit a shell
/// gives (1,024 on most Linux systems) to the hard limit. The raise is tested as the pure
/// decision it is: lowering this process's own limit would starve the tests running beside
/// this one of sockets.
@Suite struct OpenFileLimitTests {
    @Test func theSoftLimitIsRaisedToTheHardLimitNeverLowered() {
        #if canImport(Glibc)
        #expect(OpenFileLimit.raised(soft: 1024, hard: 1_048_576) == 1_048_576)
        #expect(OpenFileLimit.raised(soft: 1024, hard: OpenFileLimit.unlimited) == OpenFileLimit.unlimited)
        #else
        #expect(OpenFileLimit.raised(soft: 256, hard: OpenFileLimit.unlimited) == rlim_t(OPEN_MAX))
        #endif
        #expect(OpenFileLimit.raised(soft: 4096, hard: 4096) == 4096)
        #expect(OpenFileLimit.raised(soft: 1024, hard: 512) == 1024)
    }

    /// A shell's 1,024 leaves 768 connections; a tiny limit still leaves 16; no limit, no
    /// bound.
    @Test func connectionsLeaveTheReservedDescriptors() {
        #expect(OpenFileLimit.connections(soft: 1024) == 1024 - OpenFileLimit.reserved)
        #expect(OpenFileLimit.connections(soft: 64) == 16)
        #expect(OpenFileLimit.connections(soft: .max) == .max)
    }

    /// In this process: after the raise, the soft limit is the hard limit (on Linux, where
    /// no `OPEN_MAX` applies), and the connections follow it.
    @Test func thisProcessRunsAtItsHardLimit() throws {
        let raised = OpenFileLimit.raiseToHardLimit()
        var limit = rlimit()
        #if canImport(Glibc)
        try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(limit.rlim_max == OpenFileLimit.unlimited ? raised == .max : raised == Int(limit.rlim_max))
        #else
        try #require(getrlimit(RLIMIT_NOFILE, &limit) == 0)
        #expect(raised >= 256)
        #endif
        #expect(OpenFileLimit.current == raised)
        #expect(OpenFileLimit.connections == OpenFileLimit.connections(soft: raised))
    }
}
