delete from raw_affiliate.catalogue_snapshots
where snapshot_date = %(day)s
