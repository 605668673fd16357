-- Weekly client summary (media partner): Monday-Sunday totals, ratios and the week's top
-- campaign by spend, newest week first.
select
    client_slug,
    client_name,
    week_start,
    week_end,
    currency,
    spend,
    impressions,
    clicks,
    conversions,
    revenue,
    ctr,
    cpa,
    roas,
    top_campaigns -> 0 ->> 'name'  as top_campaign,
    top_creatives -> 0 ->> 'name'  as top_creative
from marts.weekly_summaries
order by week_start desc, client_slug;
