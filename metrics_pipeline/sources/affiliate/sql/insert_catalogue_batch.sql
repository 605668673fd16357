-- A product of the day keeps the row of the first file in key order (bytewise), as if the
-- day had been landed from nothing: a row of an earlier file stays (the caller quarantines
-- this one), a row of a later file is taken over (that file is re-landed after this one).
insert into raw_affiliate.catalogue_snapshots as landed (
    snapshot_date, product_id, title, vendor, category, commission_rate, commission_amount,
    gravity, refund_rate, is_rebill, extra_columns, source_file, source_row_number, ingestion_run_id
)
select
    snapshot_date, product_id, title, vendor, category, commission_rate, commission_amount,
    gravity, refund_rate, is_rebill, extra_columns, source_file, source_row_number, ingestion_run_id
from pg_temp.affiliate_catalogue_batch
on conflict (snapshot_date, product_id) do update
set title = excluded.title,
    vendor = excluded.vendor,
    category = excluded.category,
    commission_rate = excluded.commission_rate,
    commission_amount = excluded.commission_amount,
    gravity = excluded.gravity,
    refund_rate = excluded.refund_rate,
    is_rebill = excluded.is_rebill,
    extra_columns = excluded.extra_columns,
    source_file = excluded.source_file,
    source_row_number = excluded.source_row_number,
    ingestion_run_id = excluded.ingestion_run_id,
    loaded_at = excluded.loaded_at
where landed.source_file collate "C" > excluded.source_file collate "C"
