import Foundation

/// What promptmill knows of a model: its prices per token, its context window, its kind.
public struct ModelInfo: Sendable, Equatable {
    /// `completion`, `chat`, `embedding`, `moderation`, ...
    public var mode: String?
    /// The most tokens a request's prompt plus its completion may hold.
    public var contextWindow: Int?
    public var maxOutputTokens: Int?
    /// Per token.
    public var inputPrice: Money?
    public var outputPrice: Money?
    public var cachedInputPrice: Money?
    /// Prompt tokens written to the prompt cache, where they cost more than input (the
    /// newest models); nil: at the input price.
    public var cacheWritePrice: Money? = nil
    /// The table's figures for the other ways of serving: `.batch` (the Batch API), `.flex`
    /// and `.priority`, each present only when the table gives its input price.
    public var tiers: [ServiceTier: PriceFigures] = [:]
    /// The model spends hidden reasoning tokens (billed as output) before it answers.
    public var reasons = false

    public var batchInputPrice: Money? { tiers[.batch]?.input }
    public var batchOutputPrice: Money? { tiers[.batch]?.output }
}

/// One tier's prices per token as the table writes them; a figure it leaves out is nil.
public struct PriceFigures: Sendable, Equatable {
    public var input: Money?
    public var output: Money?
    public var cachedInput: Money?
    public var cacheWrite: Money?

    public init(input: Money? = nil, output: Money? = nil, cachedInput: Money? = nil, cacheWrite: Money? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
    }
}

/// The price and context table carried in the project (`Resources/openai-models.json`),
/// with the date it was taken, which `estimate` and the summary show.
public struct ModelCatalog: Sendable {
    public let pricesDate: String
    public let source: String
    private let models: [String: ModelInfo]

    public init(models: [String: ModelInfo], pricesDate: String, source: String) {
        self.models = models
        self.pricesDate = pricesDate
        self.source = source
    }

    private static let loaded = Result { try builtIn() }

    /// The table shipped with promptmill, read once per process.
    public static func shared() throws(CatalogError) -> ModelCatalog {
        do {
            return try loaded.get()
        } catch let error as CatalogError {
            throw error
        } catch {
            throw .malformed
        }
    }

    /// The table shipped with promptmill.
    public static func builtIn() throws -> ModelCatalog {
        guard let table = Bundle.module.url(forResource: "openai-models", withExtension: "json"),
            let meta = Bundle.module.url(forResource: "openai-models.source", withExtension: "json")
        else {
            throw CatalogError.missing
        }
        return try parse(table: Array(try Data(contentsOf: table)), meta: Array(try Data(contentsOf: meta)))
    }

    static func parse(table: [UInt8], meta: [UInt8]) throws -> ModelCatalog {
        guard case .object(let root) = try table.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .object(let about) = try meta.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .string(let date)? = about["prices_date"], case .string(let source)? = about["source"]
        else {
            throw CatalogError.malformed
        }
        var models: [String: ModelInfo] = [:]
        for (name, value) in zip(root.keys, root.values) {
            guard case .object(let fields) = value else { continue }
            func number(_ key: String) -> Double? {
                if case .number(let text)? = fields[key] { return Double(text) }
                return nil
            }
            func string(_ key: String) -> String? {
                if case .string(let text)? = fields[key] { return text }
                return nil
            }
            // litellm's names: `input_cost_per_token`, and `input_cost_per_token_batches`,
            // `_flex`, `_priority` for the other tiers; the same for the other three figures.
            func figures(_ suffix: String) -> PriceFigures {
                PriceFigures(
                    input: number("input_cost_per_token" + suffix).map(Money.init(dollars:)),
                    output: number("output_cost_per_token" + suffix).map(Money.init(dollars:)),
                    cachedInput: number("cache_read_input_token_cost" + suffix).map(Money.init(dollars:)),
                    cacheWrite: number("cache_creation_input_token_cost" + suffix).map(Money.init(dollars:)))
            }
            let standard = figures("")
            var tiers: [ServiceTier: PriceFigures] = [:]
            for (tier, suffix) in [(ServiceTier.batch, "_batches"), (.flex, "_flex"), (.priority, "_priority")] {
                let priced = figures(suffix)
                if priced.input != nil { tiers[tier] = priced }
            }
            models[name] = ModelInfo(
                mode: string("mode"),
                contextWindow: number("max_input_tokens").map { Int($0) },
                maxOutputTokens: number("max_output_tokens").map { Int($0) },
                inputPrice: standard.input,
                outputPrice: standard.output,
                cachedInputPrice: standard.cachedInput,
                cacheWritePrice: standard.cacheWrite,
                tiers: tiers,
                reasons: fields["supports_reasoning"] == .bool(true))
        }
        return ModelCatalog(models: models, pricesDate: date, source: source)
    }

    /// The model's entry; a dated or fine-tuned name falls back to its base model
    /// (`gpt-4o-2099-01-01` → `gpt-4o`, `ft:gpt-4o-mini:acme::id` → `gpt-4o-mini`).
    public func info(for model: String) -> ModelInfo? {
        if let info = models[model] { return info }
        if model.hasPrefix("ft:") {
            let base = model.dropFirst(3).split(separator: ":").first.map(String.init) ?? ""
            return info(for: base)
        }
        let parts = model.split(separator: "-")
        if parts.count > 3, parts.suffix(3).allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            return models[parts.dropLast(3).joined(separator: "-")]
        }
        return nil
    }
}

public enum CatalogError: Error, CustomStringConvertible {
    case missing
    case malformed

    public var description: String {
        switch self {
        case .missing: "the built-in price table is missing from this build — reinstall promptmill"
        case .malformed: "the built-in price table cannot be read — reinstall promptmill"
        }
    }
}
