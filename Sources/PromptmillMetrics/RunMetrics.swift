import Foundation
import PromptmillCore
import Prometheus

/// The run's figures as Prometheus metrics (text exposition format 0.0.4), through
/// swift-prometheus' registry. Counters are the job's (earlier runs included), so a scrape
/// at the run's end equals `OUTPUT.summary.json`: `promptmill_rows_total` by `outcome`
/// (`answered` + `cached` = the summary's `succeeded`, `cached` = `cache_hits`, `failed`,
/// `rejected` = `rejected_rows`), `promptmill_requests_total`,
/// `promptmill_rate_limited_total`, `promptmill_retries_total` by `cause` (`RetryCause`;
/// `earlier_runs` for retries before this run), `promptmill_tokens_total` by `kind`,
/// `promptmill_cost_usd_total`, `promptmill_spent_usd_total`. Gauges: rows pending,
/// requests in flight, the budget and what is left of it, each model's limits and the room
/// left in its buckets. The latency histogram is this run's answers, in seconds.
final class RunMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let latency: DurationHistogram

    /// Seconds: 25 ms × 2^(k/2) up to 181 s (two buckets a doubling), as OpenAI answers take
    /// from tens of milliseconds to minutes.
    static let latencyBuckets: [Duration] = (0...25).map { .microseconds(Int64((25_000 * pow(2, Double($0) / 2)).rounded())) }

    init() {
        latency = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "promptmill_request_duration_seconds", "Seconds from sending a request to its answer (any status), this run."),
            labels: [], buckets: Self.latencyBuckets)
    }

    /// Sets every metric to `snapshot`'s figures. Called by one scrape at a time.
    func update(_ snapshot: TelemetrySnapshot) {
        let figures = snapshot.statistics
        let rows = [
            ("answered", figures.succeeded - figures.cacheHits), ("cached", figures.cacheHits), ("failed", figures.failed),
            ("rejected", figures.rejectedRows),
        ]
        for (outcome, count) in rows {
            set(counter("promptmill_rows_total", [("outcome", outcome)], "Rows recorded, by outcome (the job's, earlier runs included)."), count)
        }
        set(counter("promptmill_requests_total", [], "Requests sent to the API, retries included."), figures.requests)
        set(counter("promptmill_rate_limited_total", [], "Requests answered 429."), figures.rateLimited)
        var causes = Dictionary(uniqueKeysWithValues: RetryCause.allCases.map { ($0.rawValue, snapshot.retries[$0] ?? 0) })
        causes["earlier_runs"] = snapshot.earlierRetries
        for (cause, count) in causes {
            set(counter("promptmill_retries_total", [("cause", cause)], "Attempts sent again, by cause."), count)
        }
        let tokens = [
            ("prompt", figures.usage.promptTokens), ("completion", figures.usage.completionTokens),
            ("cached_prompt", figures.usage.cachedPromptTokens), ("reasoning", figures.usage.reasoningTokens),
        ]
        for (kind, count) in tokens {
            set(
                counter(
                    "promptmill_tokens_total", [("kind", kind)],
                    "Tokens the API counted, by kind (cached_prompt and reasoning are parts of prompt and completion)."), count)
        }
        if let cost = figures.cost {
            set(counter("promptmill_cost_usd_total", [], "Cost of the recorded answers in USD, at the pipeline's prices."), cost.dollars)
        }
        let spent = figures.spent ?? figures.cost
        if let spent {
            set(
                counter("promptmill_spent_usd_total", [], "The job's spend in USD: recorded answers and those paid but not yet recorded."),
                spent.dollars)
        }
        gauge("promptmill_rows_pending", [], "Rows of the input neither recorded nor rejected yet.").set(Double(snapshot.pendingRows ?? 0))
        gauge("promptmill_requests_in_flight", [], "Requests sent and not yet answered.").set(Double(snapshot.inFlight))
        if let budget = snapshot.budget {
            gauge("promptmill_budget_usd", [], "The job's budget cap in USD (budget.max_usd).").set(budget.dollars)
            gauge("promptmill_budget_left_usd", [], "What is left of the budget in USD.").set(max(0, budget.dollars - (spent?.dollars ?? 0)))
        }
        for (model, limits) in snapshot.limits {
            let labels = [("model", model)]
            if let value = limits.requestsPerMinute {
                gauge("promptmill_limit_requests_per_minute", labels, "The requests a minute in force (the pipeline's, or the server's once known).")
                    .set(Double(value))
            }
            if let value = limits.tokensPerMinute {
                gauge("promptmill_limit_tokens_per_minute", labels, "The tokens a minute in force.").set(Double(value))
            }
            if let value = limits.availableRequests {
                gauge("promptmill_bucket_requests_available", labels, "Requests the token bucket would let go now.").set(Double(value))
            }
            if let value = limits.availableTokens {
                gauge("promptmill_bucket_tokens_available", labels, "Tokens the token bucket would let go now.").set(Double(value))
            }
        }
    }

    private func counter(_ name: String, _ labels: [(String, String)], _ help: String) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    private func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    /// A metric's whole name (its unit written into it) and its `# HELP` text.
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private func set(_ counter: Counter, _ value: Int) {
        counter.reset()
        counter.increment(by: Int64(value))
    }

    private func set(_ counter: Counter, _ value: Double) {
        counter.reset()
        counter.increment(by: value)
    }
}
