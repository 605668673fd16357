-- What the marts say a month of ad spend was, per platform and currency, at each platform's top
-- level (every level carries the same spend): the demo's retention step reads it before an
-- archive and after the nightly build that follows.
select
    platform,
    currency,
    count(*) as entity_days,
    sum(spend) as spend
from marts.fct_ad_entity_daily
where
    parent_entity_id is null
    and metric_date >= %(first)s
    and metric_date < %(after)s
group by platform, currency
order by platform, currency
