{#-
    The renamed and cast columns that stg_google_ads__ad_daily_metrics, _first_reported and
    _intraday_snapshots share (the three landing tables have the same metric columns), so the
    three views cannot drift apart. Each view adds its own lineage columns after these.

    keys:       the grain's id columns (default the ad's; stg_google_ads__campaign_daily_metrics
                passes customer_id and campaign_id).
    extra_keys: select items placed after the keys, before the metrics (the intraday
                snapshots' captured_at), so each view keeps its column order.

    spend = cost_micros / 10^6, computed as cost_micros x 0.000001: a numeric product is exact
    (scale 6), where numeric division could round large quotients.
-#}
{% macro google_ads_metric_columns(
    extra_keys=[], keys=['customer_id', 'campaign_id', 'ad_group_id', 'ad_id']
) -%}
        -- keys
        {%- for key in keys %}
        {{ key }}::bigint                                   as {{ key }},
        {%- endfor %}
        metric_date::date                                   as metric_date,
        {%- for column in extra_keys %}
        {{ column }},
        {%- endfor %}

        -- money and counts
        cost_micros::bigint                                 as cost_micros,
        (cost_micros::numeric * 0.000001)::numeric(20, 6)   as spend,
        impressions::bigint                                 as impressions,
        clicks::bigint                                      as clicks,
        conversions::numeric(20, 6)                         as conversions,
        conversions_value::numeric(20, 6)                   as conversions_value
{%- endmacro %}


{#-
    A Google Ads campaign's '(unallocated)' rows: per campaign and day in `campaigns` (campaign
    grain), its numbers minus the sum of its ads' in `ads` (ad grain, same metric columns),
    with ad_group_id and ad_id null; lineage: the observed-at column both carry (extracted_at,
    first_reported_at). Performance Max has no ads, so all of its numbers land here. Rows that
    differ in nothing are left out; a campaign-day without a campaign row gives none (days
    landed before the campaign report was read keep their ad rows only).
-#}
{% macro google_ads_unallocated_rows(ads, campaigns, lineage) -%}
    {%- set metrics = ['cost_micros', 'spend', 'impressions', 'clicks', 'conversions', 'conversions_value'] -%}
    select
        campaigns.customer_id,
        campaigns.campaign_id,
        null::bigint                                                as ad_group_id,
        null::bigint                                                as ad_id,
        campaigns.metric_date,
        {%- for metric in metrics %}
        campaigns.{{ metric }} - coalesce(ad_totals.{{ metric }}, 0)  as {{ metric }},
        {%- endfor %}
        campaigns.{{ lineage }}
    from {{ campaigns }} as campaigns
    left join (
        select
            customer_id, campaign_id, metric_date,
            {%- for metric in metrics %}
            sum({{ metric }})                                       as {{ metric }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ ads }}
        group by customer_id, campaign_id, metric_date
    ) as ad_totals
        on  ad_totals.customer_id = campaigns.customer_id
        and ad_totals.campaign_id = campaigns.campaign_id
        and ad_totals.metric_date = campaigns.metric_date
    where (
        {%- for metric in metrics if metric != 'spend' %}
        campaigns.{{ metric }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) is distinct from (
        {%- for metric in metrics if metric != 'spend' %}
        coalesce(ad_totals.{{ metric }}, 0){{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
