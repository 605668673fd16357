-- Files whose landed rows differ from their own count: per file, the latest attempt that landed
-- it (completed or partial) read records_processed data rows, loaded records_loaded and
-- quarantined records_rejected; the table must hold exactly records_loaded rows of that file,
-- and processed = loaded + rejected. {table} and {file_column} are filled in by the caller.
with latest as (
    select distinct on (target)
           target, partition_key, records_processed, records_loaded, records_rejected
    from ops.ingestion_logs
    where source = %(source)s and status in ('completed', 'partial')
    order by target, started_at desc, ingestion_log_id desc
),
landed as (
    select {file_column} as target, count(*) as landed_rows
    from {table}
    group by 1
)
select latest.target, latest.partition_key, latest.records_processed, latest.records_loaded,
       latest.records_rejected, coalesce(landed.landed_rows, 0) as landed_rows
from latest
left join landed using (target)
where coalesce(landed.landed_rows, 0) <> latest.records_loaded
   or latest.records_processed <> latest.records_loaded + latest.records_rejected
order by latest.partition_key, latest.target
