/// Where a job's timeline is kept between its runs: the job store (`JobLedger` in SQLite
/// today). A run appends its samples as it goes; `promptmill report` reads them all.
public protocol TimelineStore: Sendable {
    /// Adds samples of run `run` (the job store's run number), oldest first.
    func appendTimeline(_ samples: [TimelineSample], run: Int64) throws(StateError)
    /// Every run's samples, oldest first, with the run each belongs to.
    func timeline() throws(StateError) -> [(run: Int64, sample: TimelineSample)]
    /// Replaces run `run`'s slowest requests (at most 20, slowest first).
    func recordSlowRequests(_ requests: [SlowRequest], run: Int64) throws(StateError)
    /// The job's slowest requests over all its runs, slowest first.
    func slowRequests(limit: Int) throws(StateError) -> [SlowRequest]
}
