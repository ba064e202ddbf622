/// promptmill's tables in PostgreSQL, as migrations applied in this order
/// (`PostgresMigrator(PostgresSchema.migrations).migrate(database)`, which every store runs
/// when it opens). A new table or column is one more entry at the end; an entry that has
/// shipped is never edited.
public enum PostgresSchema {
    public static let migrations: [PostgresMigration] = [
        // The response cache (`PostgresAnswerStore`), the twin of ResponseCache's SQLite
        // table: one answer per request key, with the row that paid for it (24 bytes: the
        // job generation and the row number), whose first 16 bytes are indexed to find what
        // a generation paid for.
        PostgresMigration(
            "answers",
            """
            CREATE TABLE answers (
                key BYTEA PRIMARY KEY,
                model TEXT NOT NULL,
                output TEXT NOT NULL,
                finish_reason TEXT NOT NULL,
                prompt_tokens BIGINT NOT NULL,
                completion_tokens BIGINT NOT NULL,
                cached_tokens BIGINT NOT NULL DEFAULT 0,
                cache_write_tokens BIGINT NOT NULL DEFAULT 0,
                reasoning_tokens BIGINT NOT NULL DEFAULT 0,
                usage_counted BOOLEAN NOT NULL DEFAULT false,
                service_tier TEXT NOT NULL DEFAULT 'default',
                paid_by BYTEA,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX answers_paid_by ON answers (substring(paid_by FROM 1 FOR 16)) WHERE paid_by IS NOT NULL",
            "CREATE INDEX answers_created_at ON answers (created_at)"),
        // Shared jobs: their ledger, runs, chunks and spend (PostgresSchema+Jobs.swift).
        jobTables,
        // Shared rate-limit buckets (PostgresSchema+RateBuckets.swift).
        rateBucketTable,
        timelineTables,
    ]
}
