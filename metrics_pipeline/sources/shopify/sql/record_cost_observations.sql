-- Shopify keeps only the current unit cost: append it when it differs from the latest observation.
insert into raw_shopify.variant_cost_observations
    (shop_domain, variant_id, unit_cost, observed_at, ingestion_run_id)
select %(shop_domain)s, seen.variant_id, seen.unit_cost, %(observed_at)s, %(run_id)s
from shopify_seen_costs as seen
left join lateral (
    select o.unit_cost
    from raw_shopify.variant_cost_observations as o
    where o.shop_domain = %(shop_domain)s
      and o.variant_id = seen.variant_id
    order by o.observed_at desc
    limit 1
) as latest on true
where latest.unit_cost is distinct from seen.unit_cost
on conflict (shop_domain, variant_id, observed_at) do nothing
