import PromptmillCore

extension SimulatorEngine {
    /// With `promptCaching`, OpenAI's prompt cache for a responses prompt, routed by its
    /// `prompt_cache_key` and model: the longest prefix of whole messages answered before is
    /// read from the cache (its cacheable part, `PromptCache.cacheableTokens`), and the rest
    /// of the prompt's cacheable part is written to it. Writes are reported only for models
    /// with a cache-write price, as OpenAI reports them on its newest models. nil when prompt
    /// caching is off.
    ///
    /// `prefixTokens[j]` is the tokens of the prompt's first j + 1 messages; the last is the
    /// whole prompt's.
    func promptCacheUsage(key: String, model: String, messages: [(role: String, content: String)], prefixTokens: [Int]) -> (
        cached: Int, written: Int
    )? {
        guard configuration.promptCaching, let whole = prefixTokens.last else { return nil }
        var hasher = Hasher()
        hasher.combine(key)
        hasher.combine(model)
        var hashes: [Int] = []
        for message in messages {
            hasher.combine(message.role)
            hasher.combine(message.content)
            var copy = hasher
            copy.combine(hashes.count)
            hashes.append(copy.finalize())
        }
        let reportsWrites = catalog?.info(for: model)?.cacheWritePrice != nil
        return state.withLockedValue { state in
            var cached = 0
            for (hash, tokens) in zip(hashes, prefixTokens) where PromptCache.cacheableTokens(tokens) > 0 {
                if state.seenPrefixes.contains(hash) { cached = PromptCache.cacheableTokens(tokens) }
                state.seenPrefixes.insert(hash)
            }
            return (cached, reportsWrites ? max(0, PromptCache.cacheableTokens(whole) - cached) : 0)
        }
    }
}
