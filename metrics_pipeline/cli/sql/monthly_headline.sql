select to_char(month_start, 'YYYY-MM')             as month,
       client_slug,
       currency,
       round(spend, 2)                              as spend,
       round(revenue, 2)                            as revenue,
       round(roas, 2)                               as roas,
       top_campaigns -> 0 ->> 'name'                as top_campaign
from marts.monthly_summaries
order by month_start, workspace_slug, client_slug
