extension PostgresSchema {
    /// The shared rate-limit buckets (`PostgresRateBuckets`): one row per model and API base
    /// URL. For each of the two buckets (`requests_*`, `tokens_*`, per minute): the configured
    /// limit, the limit the server stated (`learned`), the room (`level`, negative when
    /// reservations queue; 0 while no limit is known) and the units reserved while no limit
    /// was known (`issued`, decaying over a minute); then the pause after a 429 and the
    /// database's time of the last statement, which every statement refills from.
    ///
    /// Unlogged: the buckets are worth a minute of refill, not a sync of the disk at every
    /// reservation; after a crash the row is created again, full.
    static let rateBucketTable = PostgresMigration(
        "rate_buckets",
        """
        CREATE UNLOGGED TABLE rate_buckets (
            model TEXT NOT NULL,
            base_url TEXT NOT NULL,
            requests_configured BIGINT,
            requests_learned BIGINT,
            requests_level DOUBLE PRECISION NOT NULL,
            requests_issued DOUBLE PRECISION NOT NULL DEFAULT 0,
            tokens_configured BIGINT,
            tokens_learned BIGINT,
            tokens_level DOUBLE PRECISION NOT NULL,
            tokens_issued DOUBLE PRECISION NOT NULL DEFAULT 0,
            paused_until TIMESTAMPTZ,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (model, base_url)
        )
        """)
}
