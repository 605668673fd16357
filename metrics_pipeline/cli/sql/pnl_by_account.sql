select p.platform,
       e.entity_name                                        as account,
       coalesce(e.client_slug, '-')                         as client,
       p.currency,
       count(distinct p.metric_date) filter (where p.has_platform_metrics) as days,
       round(sum(p.spend), 2)                               as spend,
       round(sum(p.platform_revenue), 2)                    as revenue,
       round(sum(p.platform_revenue) / nullif(sum(p.spend), 0), 2) as roas,
       round(sum(p.spend_reporting), 2) || ' ' || max(p.reporting_currency) as spend_reporting
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
where p.kind = 'eod' and p.level = 'account'
group by p.platform, e.entity_name, e.client_slug, p.currency
order by p.platform, e.entity_name
