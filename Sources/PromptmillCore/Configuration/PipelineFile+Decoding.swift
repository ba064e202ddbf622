import Yams

extension PipelineFile {
    static let topLevelKeys = [
        "name", "input", "endpoint", "model", "tokenizer", "prompt", "messages", "input_field",
        "params", "batch_size", "limits", "budget", "cache", "output", "pricing", "base_url", "user_field", "steps",
        "instructions", "pack", "max_schema_retries", "mode", "deadline", "state",
    ]
    /// Decodes the composed YAML tree, reporting every problem to `reader`.
    static func decode(_ root: Node, reader: YAMLNodeReader) -> PipelineFile {
        var file = PipelineFile()
        let top = reader.mapping(root, at: "", known: topLevelKeys)
        file.name = reader.string(top["name"], at: "name")
        decodeRequestKeys(top, into: &file, path: "", reader: reader)
        file.baseURL = reader.string(top["base_url"], at: "base_url")
        file.mode = reader.string(top["mode"], at: "mode")
        file.deadline = reader.string(top["deadline"], at: "deadline")
        file.state = reader.string(top["state"], at: "state")
        if let node = top["steps"] {
            file.steps = decodeSteps(node, reader: reader)
        }

        if let node = top["input"] {
            let input = reader.mapping(node, at: "input", known: ["path", "id", "on_bad_row", "format", "delimiter"])
            file.input.path = reader.string(input["path"], at: "input.path")
            file.input.id = reader.string(input["id"], at: "input.id")
            file.input.onBadRow = reader.string(input["on_bad_row"], at: "input.on_bad_row")
            file.input.format = reader.string(input["format"], at: "input.format")
            file.input.delimiter = reader.string(input["delimiter"], at: "input.delimiter")
        }
        if let node = top["limits"] {
            let limits = reader.mapping(
                node, at: "limits",
                known: [
                    "requests_per_minute", "tokens_per_minute", "max_concurrency", "max_retries", "timeout_s", "max_wait_s",
                    "batch_queue_tokens",
                ])
            file.limits.requestsPerMinute = reader.integer(limits["requests_per_minute"], at: "limits.requests_per_minute")
            file.limits.tokensPerMinute = reader.integer(limits["tokens_per_minute"], at: "limits.tokens_per_minute")
            file.limits.maxConcurrency = reader.integer(limits["max_concurrency"], at: "limits.max_concurrency")
            file.limits.maxRetries = reader.integer(limits["max_retries"], at: "limits.max_retries")
            file.limits.timeoutSeconds = reader.number(limits["timeout_s"], at: "limits.timeout_s")
            file.limits.maxWaitSeconds = reader.number(limits["max_wait_s"], at: "limits.max_wait_s")
            file.limits.batchQueueTokens = reader.integer(limits["batch_queue_tokens"], at: "limits.batch_queue_tokens")
        }
        if let node = top["cache"] {
            let cache = reader.mapping(node, at: "cache", known: ["enabled", "path"])
            file.cache.enabled = reader.boolean(cache["enabled"], at: "cache.enabled")
            file.cache.path = reader.string(cache["path"], at: "cache.path")
        }
        if let node = top["budget"] {
            let budget = reader.mapping(node, at: "budget", known: ["max_usd", "warn_usd"])
            file.budget.maxUSD = reader.number(budget["max_usd"], at: "budget.max_usd")
            file.budget.warnUSD = reader.number(budget["warn_usd"], at: "budget.warn_usd")
        }
        if let node = top["pricing"] {
            file.pricing = decodePricing(node, reader: reader)
        }
        if let node = top["output"] {
            let output = reader.mapping(node, at: "output", known: ["path", "include"])
            file.output.path = reader.string(output["path"], at: "output.path")
            file.output.include = reader.stringList(output["include"], at: "output.include")
        }
        return file
    }

    /// The keys that say what a step sends: at the top of a one-step pipeline, or in each step.
    private static func decodeRequestKeys(_ fields: [String: Node], into file: inout PipelineFile, path: String, reader: YAMLNodeReader) {
        file.endpoint = reader.string(fields["endpoint"], at: path + "endpoint")
        file.model = reader.string(fields["model"], at: path + "model")
        file.tokenizer = reader.string(fields["tokenizer"], at: path + "tokenizer")
        file.prompt = reader.string(fields["prompt"], at: path + "prompt")
        file.inputField = reader.string(fields["input_field"], at: path + "input_field")
        file.userField = reader.string(fields["user_field"], at: path + "user_field")
        file.batchSize = reader.integer(fields["batch_size"], at: path + "batch_size")
        file.instructions = reader.string(fields["instructions"], at: path + "instructions")
        file.pack = reader.integer(fields["pack"], at: path + "pack")
        file.maxSchemaRetries = reader.integer(fields["max_schema_retries"], at: path + "max_schema_retries")
        if let node = fields["messages"] {
            file.messages = decodeMessages(node, reader: reader)
        }
        if let node = fields["params"] {
            if case .mapping = node, case .object(let object)? = reader.json(node, at: path + "params") {
                file.params = Located(object, line: node.mark?.line)
            } else if case .mapping = node {
                // json(_:at:) has reported the problem.
            } else {
                reader.report("\(path)params must be a mapping of API parameters, found \(reader.describe(node))", line: node.mark?.line)
            }
        }
    }

    static let stepKeys = [
        "name", "endpoint", "model", "tokenizer", "prompt", "messages", "input_field", "params", "batch_size",
        "user_field", "when", "instructions", "pack", "max_schema_retries", "mode", "deadline",
    ]

    /// `steps:`, a list of mappings, each with its own request keys and optional `when`.
    private static func decodeSteps(_ node: Node, reader: YAMLNodeReader) -> Located<[PipelineFile]>? {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            reader.report(
                "steps must be a list of steps, each with a name, an endpoint, a model and a template, found \(reader.describe(node))",
                line: node.mark?.line)
            return nil
        }
        var steps: [PipelineFile] = []
        for (index, element) in sequence.enumerated() {
            let path = "steps[\(index)]"
            let fields = reader.mapping(element, at: path, known: stepKeys)
            var step = PipelineFile()
            step.name = reader.string(fields["name"], at: path + ".name")
            if fields["name"] == nil, case .mapping = element { reader.report("\(path) needs a name", line: element.mark?.line) }
            decodeRequestKeys(fields, into: &step, path: path + ".", reader: reader)
            step.when = reader.string(fields["when"], at: path + ".when")
            steps.append(step)
        }
        return Located(steps, line: node.mark?.line)
    }

    /// `pricing: {MODEL: {input, output, cached_input}}`, USD per 1M tokens.
    private static func decodePricing(_ node: Node, reader: YAMLNodeReader) -> [String: Located<PriceOverride>] {
        guard case .mapping(let mapping) = node else {
            reader.report(
                "pricing must map model names to prices, e.g. 'pricing: {gpt-4o-mini: {input: 0.15, output: 0.60}}' (USD per 1M tokens), found \(reader.describe(node))",
                line: node.mark?.line)
            return [:]
        }
        var prices: [String: Located<PriceOverride>] = [:]
        for (keyNode, value) in mapping {
            guard let model = keyNode.scalar?.string else {
                reader.report("pricing has a key that is not a model name", line: keyNode.mark?.line)
                continue
            }
            let path = "pricing.\(model)"
            let fields = reader.mapping(value, at: path, known: ["input", "output", "cached_input", "cache_write"])
            var override = PriceOverride()
            for (key, keyPath) in [
                ("input", \PriceOverride.input), ("output", \.output), ("cached_input", \.cachedInput), ("cache_write", \.cacheWrite),
            ] {
                guard let price = reader.number(fields[key], at: "\(path).\(key)") else { continue }
                if price.value < 0 || !price.value.isFinite {
                    reader.report("\(path).\(key) must be a price of 0 or more in USD per 1M tokens, found \(price.value)", line: price.line)
                } else {
                    override[keyPath: keyPath] = price.value
                }
            }
            if fields.isEmpty, case .mapping = value {
                reader.report("\(path) gives no price — write {input: USD per 1M, output: USD per 1M}", line: keyNode.mark?.line)
            }
            prices[model] = Located(override, line: keyNode.mark?.line)
        }
        return prices
    }

    private static func decodeMessages(_ node: Node, reader: YAMLNodeReader) -> Located<[Message]>? {
        guard case .sequence(let sequence) = node else {
            reader.report("messages must be a list of {role, content} templates, found \(reader.describe(node))", line: node.mark?.line)
            return nil
        }
        var messages: [Message] = []
        for (index, element) in sequence.enumerated() {
            let path = "messages[\(index)]"
            let fields = reader.mapping(element, at: path, known: ["role", "content", "name"])
            let role = reader.string(fields["role"], at: "\(path).role")
            let content = reader.string(fields["content"], at: "\(path).content")
            if fields["role"] == nil { reader.report("\(path) needs a role", line: element.mark?.line) }
            if fields["content"] == nil { reader.report("\(path) needs a content template", line: element.mark?.line) }
            if let role, let content {
                messages.append(Message(role: role, content: content, name: reader.string(fields["name"], at: "\(path).name")))
            }
        }
        return Located(messages, line: node.mark?.line)
    }
}
