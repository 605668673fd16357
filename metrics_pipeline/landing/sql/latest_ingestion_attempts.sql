-- The most recent attempt per source, partition and target (file or account).
select distinct on (source, partition_key, target)
       source, partition_key, target, status,
       records_processed, records_loaded, records_rejected,
       message, run_id, started_at, finished_at
from ops.ingestion_logs
where (%(source)s::text is null or source = %(source)s::text)
order by source, partition_key desc, target, started_at desc, ingestion_log_id desc
