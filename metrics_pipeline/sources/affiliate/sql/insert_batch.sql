-- An event id lands once: one already landed (earlier in this file, by an earlier file of the
-- day, or by another day) is dropped, so a re-sent file is never double-counted. Within the
-- batch the first row of an id wins (source_row_number order). The caller counts what was dropped.
insert into raw_affiliate.events (
    event_id, event_type, occurred_at, event_date, tracking_id, product_id, revenue,
    revenue_as_exported, event_type_as_exported, refund_flag_as_exported, source, extra_columns,
    source_file, source_row_number, ingestion_run_id
)
select distinct on (event_id)
    event_id, event_type, occurred_at, event_date, tracking_id, product_id, revenue,
    revenue_as_exported, event_type_as_exported, refund_flag_as_exported, source, extra_columns,
    source_file, source_row_number, ingestion_run_id
from pg_temp.affiliate_events_batch
order by event_id, source_row_number
on conflict (event_id) do nothing
