-- Retention: every archive and restore of one raw table-month (metrics_pipeline/retention).
-- A month whose latest row here is a completed 'archive' lives in the exports store only, at
-- object_key; a full refresh of the marts would lose its days until it is restored.
create table if not exists ops.retention_log (
    retention_log_id bigserial primary key,
    action           text        not null check (action in ('archive', 'restore')),
    table_name       text        not null,  -- <schema>.<table>
    month            date        not null,  -- the first day of the month
    object_key       text        not null,  -- relative to the exports root
    row_count        bigint      not null default 0,  -- rows moved (archive) or put back (restore)
    status           text        not null check (status in ('completed', 'failed')),
    message          text,
    logged_at        timestamptz not null default clock_timestamp()
);

create index if not exists retention_log_table_month_idx
    on ops.retention_log (table_name, month, logged_at desc);
