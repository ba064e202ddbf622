/// Time since it was started, on the job's clock.
struct Stopwatch: Sendable {
    let elapsed: @Sendable () -> Duration
}

extension Clock where Duration == Swift.Duration {
    func stopwatch() -> Stopwatch {
        let start = now
        return Stopwatch { start.duration(to: self.now) }
    }
}
