-- A whole run failed for a cause the retry sensor will not retry: one finished row per partition.
insert into ops.ingestion_logs (source, partition_key, target, status, message, failure_kind, run_id, finished_at)
values (
    %(source)s, %(partition_key)s, %(target)s, 'failed', %(message)s, %(failure_kind)s, %(run_id)s,
    clock_timestamp()
)
