import PromptmillCore
import PromptmillPostgres

/// Opens a shared job's state when the pipeline names one (`state:`, `--state`,
/// `PROMPTMILL_DATABASE_URL`); nil keeps the job on this machine.
enum SharedState {
    static func open(_ configuration: PipelineConfiguration) throws(StateError) -> (any SharedJobState)? {
        guard let url = configuration.sharedState else { return nil }
        return try PostgresJobState.open(url: url, jobName: configuration.name)
    }
}
