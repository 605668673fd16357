-- Where a catalogue file's parsed rows are COPYed before they join raw_affiliate.catalogue_snapshots.
create temp table if not exists affiliate_catalogue_batch (
    like raw_affiliate.catalogue_snapshots including defaults
) on commit drop
