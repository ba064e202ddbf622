extension PipelineConfiguration {
    /// The job's steps in order, whichever way the pipeline was written: `steps:`, or its one
    /// request at the top level as a step named after the job. The run core knows only this.
    public var stages: [Step] {
        steps.isEmpty ? [Step(name: name, configuration: self, when: nil)] : steps
    }

    /// Records carry `steps` (each step's own result) when the pipeline has more than one;
    /// the summary's `by_model` then gives each model's own figures.
    public var recordsEachStep: Bool { steps.count > 1 }

    /// The pipeline was written with `steps:` (what the job's fingerprint hashes).
    public var writtenWithSteps: Bool { !steps.isEmpty }

    /// Rows keep their fields (and their steps' results) on the way: a later step renders
    /// its request from them, or a `when` reads them.
    public var rowsNeedContext: Bool {
        steps.count > 1 || steps.contains { $0.when != nil }
    }
}
