import ArgumentParser

@main
struct Promptmill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promptmill",
        abstract: "Batch jobs for OpenAI-compatible APIs: a pipeline file in, one record per row out.",
        subcommands: [
            RunCommand.self, ValidateCommand.self, EstimateCommand.self, StatusCommand.self, TokensCommand.self,
            CacheCommand.self, MockServerCommand.self, CancelCommand.self, CollectCommand.self, ExportCommand.self,
            ReportCommand.self,
        ])
}
