-- Top 10 creatives (Google / Meta ads, media-partner creatives) by spend this month.
-- "This month" is the month of the newest day the login can see; for the calendar month use
--   d.metric_date >= date_trunc('month', current_date)
with this_month as (
    select date_trunc('month', max(metric_date))::date as first_day from marts.fct_ad_entity_daily
)
select
    d.client_slug,
    d.platform,
    e.entity_path                                                 as creative,
    d.currency,
    sum(d.spend)                                                  as spend,
    sum(d.impressions)                                            as impressions,
    sum(d.clicks)                                                 as clicks,
    sum(d.conversions)                                            as conversions,
    sum(d.platform_revenue)                                       as platform_revenue,
    round(sum(d.platform_revenue) / nullif(sum(d.spend), 0), 2)   as roas
from marts.fct_ad_entity_daily as d
join marts.dim_ad_entities as e on e.entity_id = d.entity_id
cross join this_month
where d.level in ('ad', 'creative')
  and d.metric_date >= this_month.first_day
group by d.client_slug, d.platform, e.entity_path, d.currency
order by spend desc
limit 10;
