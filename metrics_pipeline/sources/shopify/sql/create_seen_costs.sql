-- The unit costs this sync saw, to compare with the latest observation of each variant.
create temporary table shopify_seen_costs (
    variant_id bigint         not null,
    unit_cost  numeric(20, 6) not null
) on commit drop
