/// The byte-pair encodings OpenAI's models count with.
public enum TokenEncoding: String, Sendable, CaseIterable, Hashable {
    case cl100k_base
    case o200k_base

    /// The encoding of a model family: gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and the o1/o3/o4
    /// families (dated, -mini/-nano, fine-tuned `ft:` names too) use o200k_base; gpt-4,
    /// gpt-3.5, text-embedding-3-*, text-embedding-ada-002, davinci-002 and babbage-002 use
    /// cl100k_base. nil for anything else: the pipeline must say `tokenizer:`.
    public static func forModel(_ model: String) -> TokenEncoding? {
        var name = model.lowercased()
        if name.hasPrefix("ft:") { name = String(name.dropFirst(3).prefix { $0 != ":" }) }
        // omni-moderation is built on GPT-4o.
        let o200k = ["gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4", "omni-moderation"]
        for family in o200k where name == family || name.hasPrefix(family + "-") || name.hasPrefix(family + ".") {
            return .o200k_base
        }
        let cl100k = [
            "gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3-small", "text-embedding-3-large",
            "text-embedding-ada-002", "davinci-002", "babbage-002",
        ]
        for family in cl100k where name == family || name.hasPrefix(family + "-") {
            return .cl100k_base
        }
        return nil
    }

    /// sha256 of the rank file as OpenAI publishes it.
    var expectedSHA256: String {
        switch self {
        case .cl100k_base: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
        case .o200k_base: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
        }
    }
}
