/// Where a job's progress lives: which rows have a record, up to which byte the output holds
/// complete members, what each run did and may have spent. Today's implementation is
/// `JobLedger` (one SQLite file per job); the run core knows only this protocol.
public protocol JobStore: Sendable {
    /// The job's progress; nil when no run has started it.
    func progress() throws(StateError) -> JobLedger.Progress?
    /// Starts a run: continues the recorded job when `fingerprint` matches and the output
    /// still holds what was recorded, else starts it again (always with `.fresh`; with
    /// `.rewrite`, as the same job: its output is written again).
    func start(name: String, fingerprint: JobFingerprint, outputPath: String, mode: JobLedger.StartMode) throws(StateError) -> JobLedger.Start
    /// The input's row counts, when a run read this very input with these settings.
    func storedInputScan(for fingerprint: JobFingerprint) throws(StateError) -> (rows: Int, badRows: Int)?
    func recordInputScan(fingerprint: JobFingerprint, rows: Int, badRows: Int) throws(StateError)
    /// Commits a member's records (after the member is durable on disk) and the run's
    /// counters, in one transaction; `outcome` ends the run.
    func commit(_ segment: JobLedger.Segment?, run: Int64, counters: JobLedger.RunCounters, outcome: String?) throws(StateError)
    /// Writes the run's open reservations and its spend of unknown fate.
    func recordSpend(run: Int64, open: Money, held: Money) throws(StateError)
}

extension JobLedger: JobStore {}
