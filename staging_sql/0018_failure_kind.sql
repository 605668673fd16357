-- Why an attempt failed, as data: set where the error was caught (landing/file_days.py, the
-- API loaders), read by the retry sensor. transient | permanent | unknown; null when not failed.
alter table ops.ingestion_logs add column if not exists failure_kind text;
alter table ops.ingestion_logs drop constraint if exists ingestion_logs_failure_kind_check;
alter table ops.ingestion_logs add constraint ingestion_logs_failure_kind_check
    check (failure_kind in ('transient', 'permanent', 'unknown'));
