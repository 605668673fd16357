-- Amazon keywords and other targets with the most spend over the landed days, ratios recomputed
-- over the period. A product or audience target has no match type: its targeting type stands in.
select brand_slug                                                   as brand,
       ad_type || ' ' || campaign_name || ' > ' || keyword_text
           || ' (' || coalesce(match_type, targeting_type) || ')'  as keyword,
       currency,
       round(sum(spend), 2)                                         as spend,
       round(sum(sales), 2)                                         as sales,
       round(sum(spend) / nullif(sum(sales), 0), 4)                 as acos,
       round(sum(sales) / nullif(sum(spend), 0), 2)                 as roas,
       round(sum(orders)::numeric / nullif(sum(clicks), 0), 4)      as conversion_rate
from marts.fct_amazon_keyword_daily
group by brand_slug, ad_type, campaign_name, keyword_text, match_type, targeting_type, currency
order by sum(spend) desc
limit 8
