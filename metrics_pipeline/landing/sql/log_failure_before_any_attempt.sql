-- A landing that failed before it reached any file or account: one failed row per partition
-- saying why, unless the run has already logged an attempt of the source (those rows say it).
insert into ops.ingestion_logs (source, partition_key, target, status, message, failure_kind, run_id, finished_at)
select %(source)s, partition_key, %(target)s, 'failed', %(message)s, %(failure_kind)s, %(run_id)s, clock_timestamp()
from unnest(%(partition_keys)s::text[]) as partition_key
where not exists (
    select 1
    from ops.ingestion_logs
    where run_id = %(run_id)s
      and source = %(source)s
)
