-- The batch's products that an earlier file of the day (key order, bytewise) already landed:
-- that row is kept and these are quarantined, naming it.
select batch.source_row_number, batch.product_id, landed.source_file, landed.source_row_number
from pg_temp.affiliate_catalogue_batch as batch
inner join raw_affiliate.catalogue_snapshots as landed
    on batch.snapshot_date = landed.snapshot_date
    and batch.product_id = landed.product_id
where landed.source_file collate "C" < batch.source_file collate "C"
order by batch.source_row_number
