-- An event id lands once: one already landed (earlier in this file, by an earlier file of the
-- day, or by another day) is dropped, so a re-sent file is never double-counted. Within the
-- batch the first row of an id wins (source_row_number order). The caller counts what was dropped.
-- One exception keeps a re-landed day the same as a day landed from nothing: an id held by a
-- later file of the same day (key order, compared bytewise like Python sorts the keys) moves
-- to this file; that later file is re-landed after it and then drops the id.
insert into raw_affiliate.events as landed (
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
on conflict (event_id) do update
set event_type = excluded.event_type,
    occurred_at = excluded.occurred_at,
    tracking_id = excluded.tracking_id,
    product_id = excluded.product_id,
    revenue = excluded.revenue,
    revenue_as_exported = excluded.revenue_as_exported,
    event_type_as_exported = excluded.event_type_as_exported,
    refund_flag_as_exported = excluded.refund_flag_as_exported,
    source = excluded.source,
    extra_columns = excluded.extra_columns,
    source_file = excluded.source_file,
    source_row_number = excluded.source_row_number,
    ingestion_run_id = excluded.ingestion_run_id,
    loaded_at = excluded.loaded_at
where landed.event_date = excluded.event_date
  and landed.source_file collate "C" > excluded.source_file collate "C"
