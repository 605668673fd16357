-- Amazon sales per brand: total, ad-attributed and organic (floored at 0 per SKU and day).
select store_id                                                     as brand,
       currency,
       count(distinct sku)                                          as skus,
       round(sum(total_sales), 2)                                   as total_sales,
       round(sum(ad_attributed_sales), 2)                           as ad_sales,
       round(sum(organic_sales), 2)                                 as organic_sales,
       sum(units)                                                   as units,
       sum(organic_units)                                           as organic_units
from marts.fct_sales_daily
where channel = 'amazon'
group by store_id, currency
order by store_id
