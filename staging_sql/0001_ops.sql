-- Operational tables: one row per ingestion attempt, and the rows we refused to load.
create schema if not exists ops;

create table if not exists ops.ingestion_logs (
    ingestion_log_id  bigserial primary key,
    source            text        not null,            -- e.g. 'media_partner'
    partition_key     text        not null,            -- the Dagster partition, YYYY-MM-DD
    target            text        not null,            -- file key or account the attempt was about
    status            text        not null
        check (status in ('started', 'completed', 'partial', 'failed')),
    records_processed bigint      not null default 0,
    records_loaded    bigint      not null default 0,
    records_rejected  bigint      not null default 0,
    message           text,
    run_id            text,                            -- Dagster run id (or 'cli-...' outside Dagster)
    started_at        timestamptz not null default clock_timestamp(),
    finished_at       timestamptz
);

create index if not exists ingestion_logs_source_partition_idx
    on ops.ingestion_logs (source, partition_key, target, started_at desc);

create table if not exists ops.rejected_rows (
    rejected_row_id   bigserial primary key,
    source            text        not null,
    partition_key     text        not null,
    source_file       text        not null,
    row_number        integer     not null,            -- 1 is the header line, so data starts at 2
    fields            text        not null,            -- comma-separated names of the offending fields
    reason            text        not null,
    raw_record        jsonb       not null,            -- the row exactly as read, every column as text
    ingestion_log_id  bigint      references ops.ingestion_logs (ingestion_log_id),
    rejected_at       timestamptz not null default clock_timestamp()
);

create index if not exists rejected_rows_file_idx
    on ops.rejected_rows (source, partition_key, source_file);
