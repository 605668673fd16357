-- A key outside a source's layout (`2026-9-1.csv`, a stray `notes.txt`) is logged with status
-- 'ignored' and the reason, never silently dropped: see landing/file_days.py.
alter table ops.ingestion_logs drop constraint if exists ingestion_logs_status_check;
alter table ops.ingestion_logs add constraint ingestion_logs_status_check
    check (status in ('started', 'completed', 'partial', 'failed', 'ignored'));
