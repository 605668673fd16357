-- Spend and ROAS by campaign, last 7 closed days (Google Ads and Meta, end-of-day P&L).
-- Platform ROAS is what the ad platform claims; attributed ROAS uses the shop's orders and the
-- workspace's P&L attribution model. Money is in each account's currency.
-- "Last 7 days" ends at the newest closed day the login can see; for calendar days use
--   p.metric_date between current_date - 7 and current_date - 1
with last_closed_day as (
    select max(metric_date) as day from marts.fct_pnl_daily where kind = 'eod'
)
select
    p.client_slug,
    p.platform,
    e.entity_name                                                         as campaign,
    p.currency,
    sum(p.spend)                                                          as spend,
    sum(p.platform_revenue)                                               as platform_revenue,
    round(sum(p.platform_revenue) / nullif(sum(p.spend), 0), 2)           as platform_roas,
    sum(p.attributed_revenue)                                             as attributed_revenue,
    round(sum(p.attributed_revenue) / nullif(sum(p.spend), 0), 2)         as attributed_roas
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
cross join last_closed_day
where p.kind = 'eod'
  and p.level = 'campaign'
  and p.metric_date > last_closed_day.day - 7
group by p.client_slug, p.platform, e.entity_name, p.currency
order by spend desc;
