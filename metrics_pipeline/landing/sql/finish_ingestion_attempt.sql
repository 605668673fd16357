update ops.ingestion_logs
set status            = %(status)s,
    records_processed = %(processed)s,
    records_loaded    = %(loaded)s,
    records_rejected  = %(rejected)s,
    message           = %(message)s,
    failure_kind      = %(failure_kind)s,
    finished_at       = clock_timestamp()
where ingestion_log_id = %(log_id)s
