extension PostgresSchema {
    /// The tables of shared jobs (`PostgresJobStore`, `PostgresRowClaims`, `PostgresSpend`):
    /// the twins of `JobLedger`'s SQLite tables, keyed by the job's name, plus the chunks
    /// workers claim and the spend operations already applied.
    ///
    /// - `jobs`: one row per job name: its generation, fingerprints, output, input scan,
    ///   `chunked_rows` (the input rows its chunks cover; null until a worker joins) and its
    ///   shared spend in picodollars (`spent`: settled costs and requests of unknown fate;
    ///   `reserved`: every run's open reservations, a dead run's included, for good).
    /// - `runs`: one row per worker run (its id names its part file), with its lease on the
    ///   database's clock, its counters and its spend (`open`: reservations in flight;
    ///   `held`: requests of unknown fate; `spent`: settled costs).
    /// - `segments`: one row per committed gzip member of a run's part: its end offset in
    ///   that part, its rows (`RowRanges.encoded`, with their lowest and highest row number
    ///   to find the segments overlapping a chunk) and its totals.
    /// - `chunks`: the job's input rows in chunks of 1,024 (`first_row`..<`end_row`,
    ///   1-based), each with the run holding it and whether it is done.
    /// - `spend_operations`: the spend statements a run has applied, by its own sequence
    ///   number, so a statement sent again after a dropped connection is applied once.
    static let jobTables = PostgresMigration(
        "jobs",
        """
        CREATE TABLE jobs (
            name TEXT PRIMARY KEY,
            generation BYTEA NOT NULL,
            request_fingerprint TEXT NOT NULL,
            input_fingerprint TEXT NOT NULL,
            records_fingerprint TEXT NOT NULL,
            output_fingerprint TEXT NOT NULL,
            output_path TEXT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            scanned_input TEXT,
            input_rows BIGINT,
            input_bad_rows BIGINT,
            chunked_rows BIGINT,
            spent_picodollars BIGINT NOT NULL DEFAULT 0,
            reserved_picodollars BIGINT NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE runs (
            id BIGSERIAL PRIMARY KEY,
            job TEXT NOT NULL REFERENCES jobs (name),
            host TEXT NOT NULL,
            pid BIGINT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            ended_at TIMESTAMPTZ,
            lease_until TIMESTAMPTZ NOT NULL,
            requests BIGINT NOT NULL DEFAULT 0,
            retries BIGINT NOT NULL DEFAULT 0,
            rate_limited BIGINT NOT NULL DEFAULT 0,
            outcome TEXT,
            held_picodollars BIGINT NOT NULL DEFAULT 0,
            open_picodollars BIGINT NOT NULL DEFAULT 0,
            spent_picodollars BIGINT NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX runs_job ON runs (job, id)",
        """
        CREATE TABLE segments (
            seq BIGSERIAL PRIMARY KEY,
            job TEXT NOT NULL REFERENCES jobs (name),
            run BIGINT NOT NULL REFERENCES runs (id),
            end_offset BIGINT NOT NULL,
            rows BYTEA NOT NULL,
            first_row BIGINT,
            last_row BIGINT,
            items BIGINT NOT NULL,
            succeeded BIGINT NOT NULL,
            failed BIGINT NOT NULL,
            cache_hits BIGINT NOT NULL,
            counted_items BIGINT NOT NULL,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            cached_prompt_tokens BIGINT NOT NULL,
            cache_write_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL,
            saved_prompt_tokens BIGINT NOT NULL,
            saved_completion_tokens BIGINT NOT NULL,
            cost_picodollars BIGINT,
            saved_picodollars BIGINT,
            prompt_cache_saved_picodollars BIGINT,
            models TEXT,
            tiers TEXT,
            committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
        )
        """,
        "CREATE INDEX segments_job_rows ON segments (job, first_row)",
        "CREATE INDEX segments_run ON segments (run)",
        """
        CREATE TABLE chunks (
            job TEXT NOT NULL REFERENCES jobs (name),
            first_row BIGINT NOT NULL,
            end_row BIGINT NOT NULL,
            holder BIGINT REFERENCES runs (id),
            done BOOLEAN NOT NULL DEFAULT false,
            PRIMARY KEY (job, first_row)
        )
        """,
        "CREATE INDEX chunks_holder ON chunks (holder) WHERE NOT done",
        """
        CREATE TABLE spend_operations (
            run BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            seq BIGINT NOT NULL,
            PRIMARY KEY (run, seq)
        )
        """)
}
