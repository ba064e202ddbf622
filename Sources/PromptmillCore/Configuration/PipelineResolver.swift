import Foundation
import PromptmillTokenizer

/// Turns a decoded `PipelineFile` into a `PipelineConfiguration`: defaults, ranges, paths
/// relative to the pipeline file, and flags over keys.
struct PipelineResolver {
    let file: PipelineFile
    let pipelinePath: String
    let reader: YAMLNodeReader
    let overrides: PipelineOverrides
    let environment: [String: String]
    private(set) var problems: [PipelineProblem] = []
    /// The step being resolved, in a multi-step pipeline: it names the step's prompt cache.
    var stepName: String?
    /// What reading the input needs (its settings, the template, the copied fields), kept
    /// even when other keys are wrong, so `validate` can still check every row.
    private(set) var inputCheck: (input: PipelineConfiguration.Input, template: RequestTemplate, include: [String])?

    init(file: PipelineFile, pipelinePath: String, reader: YAMLNodeReader, overrides: PipelineOverrides, environment: [String: String]) {
        self.file = file
        self.pipelinePath = pipelinePath
        self.reader = reader
        self.overrides = overrides
        self.environment = environment
    }

    private var pipelineDirectory: String {
        URL(fileURLWithPath: pipelinePath).deletingLastPathComponent().path
    }

    private mutating func report(_ message: String, line: Int?) {
        problems.append(PipelineProblem(file: pipelinePath, line: line, message: message))
    }

    private mutating func required<T>(_ value: Located<T>?, _ key: String) -> Located<T>? {
        if value == nil && !reader.problems.contains(where: { $0.message.contains("'\(key)'") || $0.message.hasPrefix("\(key) ") }) {
            report("missing required key '\(key)'", line: nil)
        }
        return value
    }

    mutating func resolve(apiKey: PipelineLoader.APIKeyRequirement) -> PipelineConfiguration? {
        if let steps = file.steps { return resolveSteps(steps, apiKey: apiKey) }
        let name = required(file.name, "name")
        if let name, name.value.isEmpty || name.value.contains("/") || name.value.hasPrefix(".") {
            report("name must be a non-empty job name without '/' or a leading '.', found '\(name.value)'", line: name.line)
        }
        let endpoint = resolveEndpoint()
        let model = required(file.model, "model")
        let encoding = model.flatMap { resolveEncoding(model: $0.value) }
        let template = endpoint.flatMap { resolveTemplate(for: $0) }
        let params = endpoint.map { resolveParams(for: $0) } ?? JSONObject()
        let batchSize = endpoint.flatMap { resolveBatchSize(for: $0) }
        let input = resolveInput()
        let limits = resolveLimits()
        let output = resolveOutput()
        let api = resolveAPI(apiKey)
        let cache = resolveCache()
        if let input, let checkTemplate = template ?? fallbackPromptTemplate() {
            inputCheck = (input, checkTemplate, file.output.include?.value ?? [])
        }

        let userField = endpoint.flatMap { resolveUserField($0) }
        let instructions = endpoint.flatMap { resolveInstructions(for: $0) }
        let pack = endpoint.flatMap { resolvePack(for: $0, params: params) } ?? 1
        let maxSchemaRetries = resolveMaxSchemaRetries()
        var structuredOutput: StructuredOutput?
        if let endpoint {
            do {
                structuredOutput = try StructuredOutput.resolve(params, endpoint: endpoint)
            } catch {
                report(error.description, line: file.params?.line)
            }
        }
        if pack > 1, let template { checkPackable(template, instructions: instructions, line: file.pack?.line) }
        let budget = resolveBudget()
        let mode = resolveMode()
        let sharedState = resolveSharedState(mode: mode?.0)
        let catalog = resolveCatalog()
        let pricing = file.pricing.mapValues(\.value)
        let prices = model.flatMap { catalog?.prices(for: $0.value, override: pricing[$0.value]) }
        if let model, budget?.maxUSD != nil || budget?.warnUSD != nil, prices == nil, catalog != nil {
            report(
                "model '\(model.value)' has no price in the built-in table (prices of \(catalog!.pricesDate)), so a budget cannot be kept — add its prices in USD per 1M tokens: 'pricing: {\(model.value): {input: 0.50, output: 1.50}}'",
                line: file.budget.maxUSD?.line ?? model.line)
        }

        guard problems.isEmpty, let name, let endpoint, let model, let encoding, let template, let batchSize,
            let input, let limits, let output, let api, let budget, let catalog, let mode
        else { return nil }
        var configuration = PipelineConfiguration(
            name: name.value, pipelinePath: pipelinePath, input: input, endpoint: endpoint,
            model: model.value, encoding: encoding, template: template, params: params, batchSize: batchSize,
            limits: limits, output: output, cache: cache, stateDirectory: resolveStateDirectory(), api: api)
        configuration.budget = budget
        (configuration.mode, configuration.deadline) = mode
        configuration.sharedState = sharedState
        configuration.prices = prices
        configuration.pricesDate = catalog.pricesDate
        configuration.pricing = pricing
        configuration.userField = userField
        configuration.instructions = instructions
        configuration.params = Self.withDefaults(
            params, endpoint: endpoint, api: api, cacheKey: [name.value, stepName].compactMap { $0 }.joined(separator: "/"))
        configuration.pack = pack
        configuration.maxSchemaRetries = maxSchemaRetries
        configuration.structuredOutput = structuredOutput
        if pack > 1 { configuration.batchSize = pack }
        return configuration
    }

    /// A multi-step pipeline: each step is resolved as a one-step pipeline over the job's
    /// input, output, limits, cache and budget; a step's templates and `when` may read only
    /// earlier steps.
    private mutating func resolveSteps(_ steps: Located<[PipelineFile]>, apiKey: PipelineLoader.APIKeyRequirement) -> PipelineConfiguration? {
        let topLevel: [(String, Bool)] = [
            ("endpoint", file.endpoint != nil), ("model", file.model != nil), ("tokenizer", file.tokenizer != nil),
            ("prompt", file.prompt != nil), ("messages", file.messages != nil), ("input_field", file.inputField != nil),
            ("params", file.params != nil), ("batch_size", file.batchSize != nil), ("user_field", file.userField != nil),
            ("instructions", file.instructions != nil), ("pack", file.pack != nil),
            ("max_schema_retries", file.maxSchemaRetries != nil),
        ]
        for (key, present) in topLevel where present {
            report("\(key) belongs inside each step when the pipeline has steps:", line: steps.line)
        }
        var resolved: [PipelineConfiguration.Step] = []
        var names: [String] = []
        var reported = Set(problems.map(\.description))
        for (index, step) in steps.value.enumerated() {
            let label = "steps[\(index)]" + (step.name.map { " (\($0.value))" } ?? "")
            var merged = file
            merged.steps = nil
            merged.endpoint = step.endpoint
            merged.model = step.model
            merged.tokenizer = step.tokenizer
            merged.prompt = step.prompt
            merged.messages = step.messages
            merged.inputField = step.inputField
            merged.params = step.params
            merged.batchSize = step.batchSize
            merged.userField = step.userField
            merged.instructions = step.instructions
            merged.pack = step.pack
            merged.maxSchemaRetries = step.maxSchemaRetries
            var sub = PipelineResolver(file: merged, pipelinePath: pipelinePath, reader: reader, overrides: overrides, environment: environment)
            sub.stepName = step.name?.value
            let configuration = sub.resolve(apiKey: apiKey)
            if index == 0 { inputCheck = sub.inputCheck }
            for var problem in sub.problems where reported.insert(problem.description).inserted {
                if problem.line == nil, !problem.message.hasPrefix("OPENAI_API_KEY") { problem.message = "\(label): " + problem.message }
                problems.append(problem)
            }
            let line = step.endpoint?.line ?? step.model?.line ?? steps.line
            guard let name = step.name?.value else { continue }
            if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                report(
                    "\(label): a step name is letters, digits, _ and - (templates read it as steps.NAME.output), found '\(name)'",
                    line: step.name?.line)
            } else if names.contains(name) {
                report("\(label): another step is already named '\(name)'", line: step.name?.line)
            }
            for path in configuration?.template.fieldPaths ?? [] where path.hasPrefix("steps.") {
                let referenced = String(path.split(separator: ".").dropFirst().first ?? "")
                if !names.contains(referenced) {
                    report(
                        "\(label) reads {{\(path)}}, but '\(referenced)' is not an earlier step"
                            + (names.isEmpty ? "" : " — earlier steps: \(names.joined(separator: ", "))"),
                        line: step.prompt?.line ?? step.messages?.line ?? line)
                }
            }
            var condition: StepCondition?
            if let when = step.when {
                do {
                    condition = try StepCondition(parsing: when.value)
                    if let referenced = condition?.stepReferenced, !names.contains(referenced) {
                        report("\(label).when reads steps.\(referenced), which is not an earlier step", line: when.line)
                    }
                } catch {
                    report("\(label).when: \(error)", line: when.line)
                }
            }
            names.append(name)
            if let configuration { resolved.append(PipelineConfiguration.Step(name: name, configuration: configuration, when: condition)) }
        }
        guard problems.isEmpty, resolved.count == steps.value.count, var top = resolved.first?.configuration else { return nil }
        top.steps = resolved
        return top
    }

    /// What promptmill sends unless the pipeline says otherwise: `store: false` on responses
    /// (a bulk job should not leave a million responses stored on the server), and a
    /// `prompt_cache_key` of the job's name and step, so every row of one template is routed
    /// to the same prompt cache (platform.openai.com/docs/guides/prompt-caching). Chat gets
    /// the key only from OpenAI's own API: other servers may refuse a parameter they lack.
    static func withDefaults(_ params: JSONObject, endpoint: Endpoint, api: APIConfiguration, cacheKey: String) -> JSONObject {
        var params = params
        if endpoint == .responses, params["store"] == nil { params.append("store", .bool(false)) }
        let cacheRouting = endpoint == .responses || (endpoint == .chat && api.baseURL == APIConfiguration.defaultBaseURL)
        if cacheRouting, params["prompt_cache_key"] == nil { params.append("prompt_cache_key", .string(cacheKey)) }
        return params
    }

    private mutating func resolveInstructions(for endpoint: Endpoint) -> PromptTemplate? {
        guard let written = file.instructions else { return nil }
        guard endpoint == .responses else {
            report(
                "instructions is for endpoint responses; \(endpoint.rawValue) takes its system message in 'messages' (or 'prompt')",
                line: written.line)
            return nil
        }
        do {
            return try PromptTemplate(parsing: written.value)
        } catch {
            report("instructions: \(error)", line: written.line)
            return nil
        }
    }

    /// `pack`: 1...50, for responses and chat, one answer per row (no `n`).
    private mutating func resolvePack(for endpoint: Endpoint, params: JSONObject) -> Int? {
        guard let written = file.pack else { return nil }
        guard endpoint == .responses || endpoint == .chat else {
            let hint = endpoint == .completions ? " (completions sends up to 20 prompts a request with batch_size)" : " (use batch_size)"
            report("pack is for endpoints responses and chat\(hint)", line: written.line)
            return nil
        }
        guard (1...PipelineConfiguration.packLimit).contains(written.value) else {
            report("pack must be between 1 and \(PipelineConfiguration.packLimit) rows a request, found \(written.value)", line: written.line)
            return nil
        }
        if written.value > 1, case .number(let n)? = params["n"], n != "1" {
            report("pack answers each row once; remove params.n or set pack: 1", line: written.line)
            return nil
        }
        return written.value
    }

    /// A packed request sends the template's fixed parts once and each row's own text as an
    /// item: the row's fields must be read by one message (or the prompt), and the
    /// instructions must read none.
    private mutating func checkPackable(_ template: RequestTemplate, instructions: PromptTemplate?, line: Int?) {
        if let instructions, !instructions.fieldPaths.isEmpty {
            report(
                "pack sends the instructions once for all its rows, so they cannot read the row's fields (they read {{\(instructions.fieldPaths[0])}}) — move the field into the prompt",
                line: line)
        }
        if case .messages(let messages) = template {
            let reading = messages.filter { !$0.content.fieldPaths.isEmpty }
            if reading.count != 1 {
                report(
                    "pack sends each row as one item: exactly one message may read the row's fields, found \(reading.count) — put the row's fields in one user message",
                    line: line)
            }
        }
    }

    private mutating func resolveMaxSchemaRetries() -> Int {
        guard let written = file.maxSchemaRetries else { return 1 }
        guard (0...10).contains(written.value) else {
            report("max_schema_retries must be between 0 and 10, found \(written.value)", line: written.line)
            return 1
        }
        return written.value
    }

    private mutating func resolveUserField(_ endpoint: Endpoint) -> String? {
        guard let field = file.userField else { return nil }
        if endpoint == .moderations {
            report("user_field: the moderations endpoint takes no user — remove it", line: field.line)
        }
        if file.params?.value["user"] != nil {
            report("params.user and user_field both set the user — keep user_field, which sends each row's id hashed", line: field.line)
        }
        return field.value
    }

    private mutating func resolveCatalog() -> ModelCatalog? {
        do {
            return try ModelCatalog.shared()
        } catch {
            report(error.description, line: nil)
            return nil
        }
    }

    private mutating func resolveBudget() -> PipelineConfiguration.Budget? {
        var budget = PipelineConfiguration.Budget()
        var valid = true
        func money(_ value: Double, _ key: String, line: Int?) -> Money? {
            guard value > 0, value.isFinite, value < 9_000_000 else {
                report("\(key) must be an amount of US dollars above 0, found \(value)", line: line)
                valid = false
                return nil
            }
            return Money(dollars: value)
        }
        if let flag = overrides.maxUSD {
            budget.maxUSD = money(flag, "--max-usd", line: nil)
        } else if let written = file.budget.maxUSD {
            budget.maxUSD = money(written.value, "budget.max_usd", line: written.line)
        }
        if let written = file.budget.warnUSD {
            budget.warnUSD = money(written.value, "budget.warn_usd", line: written.line)
        }
        // A cap given by flag for one run may well sit below the file's warning mark.
        if overrides.maxUSD == nil, let warn = budget.warnUSD, let cap = budget.maxUSD, !(warn < cap) {
            report("budget.warn_usd (\(warn)) must be below the cap of \(cap), or it can never warn", line: file.budget.warnUSD?.line)
            valid = false
        }
        guard valid else { return nil }
        return budget
    }

    private func resolveCache() -> PipelineConfiguration.Cache {
        let path: String
        if let flag = overrides.cachePath {
            path = absolutePath(flag, relativeTo: FileManager.default.currentDirectoryPath)
        } else if let written = file.cache.path {
            path = absolutePath(written.value, relativeTo: pipelineDirectory)
        } else {
            path = ResponseCache.defaultPath(environment: environment)
        }
        return PipelineConfiguration.Cache(enabled: !overrides.noCache && (file.cache.enabled?.value ?? true), path: path)
    }

    private func resolveStateDirectory() -> String {
        if let flag = overrides.stateDirectory {
            return absolutePath(flag, relativeTo: FileManager.default.currentDirectoryPath)
        }
        return absolutePath(".promptmill", relativeTo: pipelineDirectory)
    }

    private mutating func resolveEndpoint() -> Endpoint? {
        guard let written = required(file.endpoint, "endpoint") else { return nil }
        if let endpoint = Endpoint(rawValue: written.value) { return endpoint }
        let names = Endpoint.allCases.map(\.rawValue)
        let hint = written.value.nearest(in: names).map { " — did you mean '\($0)'?" } ?? ""
        report("endpoint must be one of \(names.joined(separator: ", ")), found '\(written.value)'\(hint)", line: written.line)
        return nil
    }

    /// The prompt template when the endpoint itself could not be resolved.
    private func fallbackPromptTemplate() -> RequestTemplate? {
        guard let prompt = file.prompt, let template = try? PromptTemplate(parsing: prompt.value) else { return nil }
        return .prompt(template)
    }

    private mutating func resolveEncoding(model: String) -> TokenEncoding? {
        if let written = file.tokenizer {
            guard let encoding = TokenEncoding(rawValue: written.value) else {
                let names = TokenEncoding.allCases.map(\.rawValue)
                let hint = written.value.nearest(in: names).map { " — did you mean '\($0)'?" } ?? ""
                report("tokenizer must be one of \(names.joined(separator: ", ")), found '\(written.value)'\(hint)", line: written.line)
                return nil
            }
            return encoding
        }
        if let encoding = TokenEncoding.forModel(model) { return encoding }
        report(
            "model '\(model)' has no known tokenizer — add 'tokenizer: o200k_base' (or cl100k_base) to the pipeline to say which one it uses",
            line: file.model?.line)
        return nil
    }

    private mutating func resolveTemplate(for endpoint: Endpoint) -> RequestTemplate? {
        switch endpoint {
        case .completions:
            for (key, value) in [("messages", file.messages?.line), ("input_field", file.inputField?.line)] where value != nil {
                report("\(key) is for other endpoints; completions renders 'prompt'", line: value)
            }
            guard let prompt = required(file.prompt, "prompt") else { return nil }
            do {
                return .prompt(try PromptTemplate(parsing: prompt.value))
            } catch {
                report("prompt: \(error)", line: prompt.line)
                return nil
            }
        case .chat:
            for (key, value) in [("prompt", file.prompt?.line), ("input_field", file.inputField?.line)] where value != nil {
                report("\(key) is for other endpoints; chat renders 'messages'", line: value)
            }
            guard let messages = required(file.messages, "messages") else { return nil }
            return messageTemplates(messages)
        case .responses:
            if let line = file.inputField?.line {
                report("input_field is for embeddings and moderations; responses renders 'prompt' or 'messages'", line: line)
            }
            switch (file.prompt, file.messages) {
            case (let prompt?, nil):
                do {
                    return .prompt(try PromptTemplate(parsing: prompt.value))
                } catch {
                    report("prompt: \(error)", line: prompt.line)
                    return nil
                }
            case (nil, let messages?):
                if let named = messages.value.first(where: { $0.name != nil }) {
                    report("responses input messages take no name (a chat field) — remove it", line: named.name?.line)
                }
                return messageTemplates(messages)
            case (_?, let messages?):
                report("responses renders either 'prompt' (sent as input) or 'messages' (sent as input items), not both", line: messages.line)
                return nil
            case (nil, nil):
                report("responses needs 'prompt' (a template sent as input) or 'messages' (templates sent as input items)", line: nil)
                return nil
            }
        case .embeddings, .moderations:
            for (key, value) in [("prompt", file.prompt?.line), ("messages", file.messages?.line)] where value != nil {
                report("\(key) is for other endpoints; \(endpoint.rawValue) sends the text of 'input_field'", line: value)
            }
            guard let field = required(file.inputField, "input_field") else { return nil }
            return .inputField(field.value)
        }
    }

    private mutating func messageTemplates(_ messages: Located<[PipelineFile.Message]>) -> RequestTemplate {
        var templates: [MessageTemplate] = []
        for message in messages.value {
            do {
                templates.append(
                    MessageTemplate(
                        role: message.role.value, name: message.name?.value,
                        content: try PromptTemplate(parsing: message.content.value)))
            } catch {
                report("messages content: \(error)", line: message.content.line)
            }
        }
        return .messages(templates)
    }

    private mutating func resolveParams(for endpoint: Endpoint) -> JSONObject {
        guard let params = file.params else { return JSONObject() }
        let allowed = EndpointParameters.allowed(for: endpoint)
        for (key, value) in zip(params.value.keys, params.value.values) {
            if let reason = EndpointParameters.unsupported[key] {
                report("params.\(key): \(reason)", line: params.line)
            } else if EndpointParameters.setByPromptmill.contains(key) {
                report("params.\(key) is set by promptmill from the pipeline — remove it from params", line: params.line)
            } else if !allowed.contains(key) {
                let hint = key.nearest(in: allowed).map { "did you mean '\($0)'? " } ?? ""
                report(
                    "params.\(key) is not a parameter of the \(endpoint.rawValue) endpoint — \(hint)it accepts: \(allowed.joined(separator: ", "))",
                    line: params.line)
            } else {
                checkParameterType(key, value, endpoint: endpoint, line: params.line)
            }
        }
        return params.value
    }

    private mutating func checkParameterType(_ key: String, _ value: JSONValue, endpoint: Endpoint, line: Int?) {
        func integer(_ value: JSONValue) -> Int? {
            if case .number(let text) = value { return Int(text) }
            return nil
        }
        switch key {
        case "logprobs" where endpoint == .chat:
            // Chat's `logprobs` is a switch; `top_logprobs` (0 to 20) asks for the alternatives
            // (platform.openai.com/docs/api-reference/chat/create). Completions' is a count.
            if case .bool = value { return }
            report("params.logprobs must be true or false on the chat endpoint (top_logprobs: 0 to 20 asks for alternatives)", line: line)
        case "top_logprobs":
            if let number = integer(value), (0...20).contains(number) { return }
            report("params.top_logprobs must be a whole number from 0 to 20", line: line)
        case "n", "best_of", "max_tokens", "max_completion_tokens", "logprobs", "dimensions":
            // No model writes more than a few hundred thousand tokens, or a hundred choices:
            // the bounds keep every reservation and cost exact in 64-bit picodollars.
            let most = ["n": 128, "best_of": 128, "logprobs": 20, "dimensions": 65_536][key] ?? 10_000_000
            if let number = integer(value), number >= (key == "logprobs" ? 0 : 1), number <= most { return }
            report("params.\(key) must be a whole number from \(key == "logprobs" ? 0 : 1) to \(most)", line: line)
        case "temperature", "top_p":
            if let problem = ParameterCheck.problem(key, value) { report(problem, line: line) }
        case "frequency_penalty", "presence_penalty":
            if case .number(let text) = value, let number = Double(text), (-2...2).contains(number) { return }
            report("params.\(key) must be a number from -2 to 2", line: line)
        case "encoding_format":
            if value == .string("float") || value == .string("base64") { return }
            report("params.encoding_format must be float or base64 (base64 answers are decoded to numbers in the output)", line: line)
        case "response_format":
            if case .object(let format) = value, case .string? = format["type"] { return }
            report("params.response_format must be a mapping with a type, e.g. {type: json_object}", line: line)
        case "seed":
            if case .number(let text) = value, Int(text) != nil { return }
            report("params.seed must be a whole number", line: line)
        case "stop":
            if case .string = value { return }
            if case .array(let items) = value, items.count <= 4, items.allSatisfy({ if case .string = $0 { true } else { false } }) { return }
            report("params.stop must be a string or a list of up to 4 strings", line: line)
        default:
            if let problem = ParameterCheck.problem(key, value) { report(problem, line: line) }
        }
    }

    private mutating func resolveBatchSize(for endpoint: Endpoint) -> Int? {
        guard let written = file.batchSize else { return endpoint.maximumBatchSize }
        guard (1...endpoint.maximumBatchSize).contains(written.value) else {
            report(
                "batch_size must be between 1 and \(endpoint.maximumBatchSize) for endpoint \(endpoint.rawValue), found \(written.value)",
                line: written.line)
            return nil
        }
        return written.value
    }

    private mutating func resolveInput() -> PipelineConfiguration.Input? {
        let policy: PipelineConfiguration.BadRowPolicy
        if let written = file.input.onBadRow {
            guard let value = PipelineConfiguration.BadRowPolicy(rawValue: written.value) else {
                let names = PipelineConfiguration.BadRowPolicy.allCases.map(\.rawValue)
                let hint = written.value.nearest(in: names).map { " — did you mean '\($0)'?" } ?? ""
                report("input.on_bad_row must be one of \(names.joined(separator: ", ")), found '\(written.value)'\(hint)", line: written.line)
                return nil
            }
            policy = value
        } else {
            policy = .fail
        }
        guard let path = required(file.input.path, "input.path") else { return nil }
        let absolute = absolutePath(path.value, relativeTo: pipelineDirectory)
        let format: InputFormat
        if let written = file.input.format {
            guard let value = InputFormat(rawValue: written.value) else {
                report("input.format must be jsonl or csv, found '\(written.value)'", line: written.line)
                return nil
            }
            format = value
        } else if let value = InputFormat.from(path: path.value) {
            format = value
        } else {
            report("input.path '\(path.value)' does not end in .jsonl, .csv, .jsonl.gz or .csv.gz — rename it or set input.format", line: path.line)
            return nil
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), !isDirectory.boolValue else {
            report("input.path '\(path.value)' does not exist (looked for \(absolute)) — paths are relative to the pipeline file", line: path.line)
            return nil
        }
        var delimiter = UInt8(ascii: ",")
        if let written = file.input.delimiter {
            let named = ["tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"]
            let value = named[written.value] ?? written.value
            guard format == .csv else {
                report("input.delimiter applies to CSV input only; '\(path.value)' is read as \(format.rawValue)", line: written.line)
                return nil
            }
            guard value.utf8.count == 1, let byte = value.utf8.first, byte != UInt8(ascii: "\""), byte != 0x0A, byte != 0x0D else {
                report(
                    "input.delimiter must be one character other than a quote or a line break (',', ';', '\\t' or 'tab', '|'), found '\(written.value)'",
                    line: written.line)
                return nil
            }
            delimiter = byte
        }
        return PipelineConfiguration.Input(
            path: absolute, displayPath: displayPath(absolute), format: format,
            idField: file.input.id?.value, onBadRow: policy, delimiter: delimiter)
    }

    private mutating func resolveLimits() -> PipelineConfiguration.Limits? {
        let written = file.limits
        var valid = true
        for (key, value) in [
            ("requests_per_minute", written.requestsPerMinute), ("tokens_per_minute", written.tokensPerMinute),
            ("max_concurrency", written.maxConcurrency),
        ] {
            if let value, value.value < 1 {
                report("limits.\(key) must be at least 1, found \(value.value)", line: value.line)
                valid = false
            }
        }
        if let retries = written.maxRetries, retries.value < 0 {
            report("limits.max_retries must be 0 or more, found \(retries.value)", line: retries.line)
            valid = false
        }
        if let timeout = written.timeoutSeconds, !(timeout.value > 0) {
            report("limits.timeout_s must be more than 0, found \(timeout.value)", line: timeout.line)
            valid = false
        }
        if let queue = written.batchQueueTokens, queue.value < 1 {
            report("limits.batch_queue_tokens must be at least 1, found \(queue.value)", line: queue.line)
            valid = false
        }
        if let wait = written.maxWaitSeconds, !(wait.value >= 0) {
            report("limits.max_wait_s must be 0 or more, found \(wait.value)", line: wait.line)
            valid = false
        }
        guard valid else { return nil }
        return PipelineConfiguration.Limits(
            requestsPerMinute: written.requestsPerMinute?.value,
            tokensPerMinute: written.tokensPerMinute?.value,
            maxConcurrency: written.maxConcurrency?.value,
            maxRetries: written.maxRetries?.value ?? 8,
            timeout: .milliseconds(Int64((written.timeoutSeconds?.value ?? 60) * 1000)),
            maxWait: .milliseconds(Int64((written.maxWaitSeconds?.value ?? 900) * 1000)),
            timeoutWritten: written.timeoutSeconds.map { .milliseconds(Int64($0.value * 1000)) },
            batchQueueTokens: written.batchQueueTokens?.value)
    }

    /// `state:`: `--state` over the key over `PROMPTMILL_DATABASE_URL`. Only PostgreSQL is
    /// shared; the Batch API's ledger is not (yet), so a shared job runs live.
    mutating func resolveSharedState(mode: JobMode?) -> String? {
        let flag = overrides.state
        let key = file.state
        let text = flag ?? key?.value ?? environment["PROMPTMILL_DATABASE_URL"]
        guard let text, !text.isEmpty else { return nil }
        let source = flag != nil ? "--state" : key != nil ? "state" : "PROMPTMILL_DATABASE_URL"
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            report(
                "\(source) must be a PostgreSQL URL such as postgres://USER@HOST:5432/DATABASE, found \(text.contains("://") ? "a URL of scheme '\(text.prefix { $0 != ":" })'" : "something else") — leave it out to keep the job's state on this machine (--state-dir)",
                line: flag == nil ? key?.line : nil)
            return nil
        }
        if let mode, mode != .live {
            report(
                "mode: \(mode.rawValue) keeps its batches in this machine's state, so it cannot run with shared state (\(source)) — use mode: live (with params.service_tier: flex for the lower price), or drop the shared state",
                line: file.mode?.line)
            return nil
        }
        return text
    }

    /// `mode:` and `deadline:`, flags over keys. A deadline without `auto` is an error: only
    /// `auto` reads it.
    mutating func resolveMode() -> (JobMode, Deadline?)? {
        var mode = JobMode.live
        if let flag = overrides.mode {
            mode = flag
        } else if let written = file.mode {
            guard let parsed = JobMode(rawValue: written.value) else {
                report("mode must be live, batch or auto, found '\(written.value)'", line: written.line)
                return nil
            }
            mode = parsed
        }
        let text = overrides.deadline ?? file.deadline?.value
        guard let text else { return (mode, nil) }
        guard let deadline = Deadline(parsing: text) else {
            report(
                "deadline must be a duration such as 8h, 90m, 1h30m or 2d (at most 10 years), or a time with its zone such as 2026-12-02T07:00:00Z, found '\(text)'",
                line: file.deadline?.line)
            return nil
        }
        if mode != .auto {
            report(
                "deadline is read only with mode: auto (the plan it sets chooses batch, flex or standard), and the mode is \(mode.rawValue) — add 'mode: auto' (or pass --mode auto), or drop the deadline",
                line: file.deadline?.line)
            return nil
        }
        return (mode, deadline)
    }

    private mutating func resolveOutput() -> PipelineConfiguration.Output? {
        let absolute: String
        if let flag = overrides.outputPath {
            absolute = absolutePath(flag, relativeTo: FileManager.default.currentDirectoryPath)
        } else if let path = required(file.output.path, "output.path") {
            absolute = absolutePath(path.value, relativeTo: pipelineDirectory)
        } else {
            return nil
        }
        return PipelineConfiguration.Output(
            path: absolute, displayPath: displayPath(absolute),
            include: file.output.include?.value ?? [])
    }

    private mutating func resolveAPI(_ requirement: PipelineLoader.APIKeyRequirement) -> APIConfiguration? {
        let organization = environment["OPENAI_ORG_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let project = environment["OPENAI_PROJECT_ID"].flatMap { $0.isEmpty ? nil : $0 }
        if let mock = overrides.mockBaseURL {
            return APIConfiguration(baseURL: mock, apiKey: "sk-promptmill-simulator", organization: organization, project: project)
        }
        let baseURL =
            overrides.baseURL ?? file.baseURL?.value ?? environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? APIConfiguration.defaultBaseURL
        if !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            report("the base URL must start with http:// or https://, found '\(baseURL)'", line: file.baseURL?.line)
            return nil
        }
        let key = environment["OPENAI_API_KEY"] ?? ""
        if case .required = requirement, key.isEmpty {
            problems.append(
                PipelineProblem(
                    file: pipelinePath, line: nil,
                    message:
                        "OPENAI_API_KEY is not set — export your API key in the environment, or add --mock to run against the built-in simulator"))
            return nil
        }
        return APIConfiguration(baseURL: baseURL, apiKey: key, organization: organization, project: project)
    }

    private func absolutePath(_ path: String, relativeTo directory: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : URL(fileURLWithPath: directory).appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }

    /// A path as short as it can be said from the working directory.
    private func displayPath(_ absolute: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        return absolute.hasPrefix(cwd + "/") ? String(absolute.dropFirst(cwd.count + 1)) : absolute
    }
}
