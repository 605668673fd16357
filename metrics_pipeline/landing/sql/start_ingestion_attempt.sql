insert into ops.ingestion_logs (source, partition_key, target, status, run_id)
values (%(source)s, %(partition_key)s, %(target)s, 'started', %(run_id)s)
returning ingestion_log_id
