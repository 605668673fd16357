-- A key under a source's prefix that is outside its layout: one finished row saying so, so a
-- misnamed file is seen in the logs instead of silently never landing.
insert into ops.ingestion_logs (source, partition_key, target, status, message, run_id, finished_at)
values (%(source)s, %(partition_key)s, %(target)s, 'ignored', %(message)s, %(run_id)s, clock_timestamp())
