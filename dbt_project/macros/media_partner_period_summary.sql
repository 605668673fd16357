{#-
    Body of weekly_summaries / monthly_summaries: one row per client and period
    (period = 'week' -> Monday..Sunday, 'month' -> calendar month), built from
    fct_media_partner_daily.

    Columns: workspace_slug, client_slug, client_name, currency, <period>_start, <period>_end,
    days_with_data, impressions, clicks, conversions, revenue, spend, ctr, cpc, cpm, cpa, roas,
    top_campaigns, top_creatives.

    Ratios are recomputed from the period's summed counts (never averaged).
    top_campaigns / top_creatives: jsonb arrays of at most 5 objects ordered by rank, where
    rank 1 has the highest spend; ties broken by name then entity id (both in "C" collation,
    i.e. byte order, so the order does not depend on the database locale). Keys:
      top_campaigns: rank, campaign_entity_id, name, spend, impressions, clicks, conversions,
                     revenue, roas
      top_creatives: rank, creative_entity_id, name, campaign_name, spend, impressions, clicks,
                     conversions, revenue, roas
    Numbers are JSON numbers carrying the exact numeric value; roas is null when spend = 0.
    An empty array (never null) when there is nothing to rank.
-#}
{% macro media_partner_period_summary(period, top_n=5) -%}

{%- if period == 'week' -%}
    {%- set period_end_sql = "(period_start + 6)" -%}
{%- elif period == 'month' -%}
    {%- set period_end_sql = "((period_start + interval '1 month')::date - 1)" -%}
{%- else -%}
    {{ exceptions.raise_compiler_error(
        "media_partner_period_summary: period must be 'week' or 'month', got " ~ period) }}
{%- endif -%}

with

daily as (

    select
        *,
        -- date_trunc('week') starts weeks on Monday (ISO)
        date_trunc('{{ period }}', report_date::timestamp)::date as period_start

    from {{ ref('fct_media_partner_daily') }}

),

clients as (

    select * from {{ ref('stg_metrics_config__clients') }}

),

totals as (

    select
        client_slug,
        workspace_slug,
        currency,
        period_start,
        {{ period_end_sql }}::date          as period_end,
        count(distinct report_date)::integer as days_with_data,
        sum(impressions)::bigint            as impressions,
        sum(clicks)::bigint                 as clicks,
        sum(conversions)::bigint            as conversions,
        sum(revenue)                        as revenue,
        sum(spend)                          as spend

    from daily
    group by client_slug, workspace_slug, currency, period_start

),

campaigns as (

    select
        client_slug,
        period_start,
        campaign_entity_id,
        campaign_name,
        sum(impressions)::bigint            as impressions,
        sum(clicks)::bigint                 as clicks,
        sum(conversions)::bigint            as conversions,
        sum(revenue)                        as revenue,
        sum(spend)                          as spend

    from daily
    group by client_slug, period_start, campaign_entity_id, campaign_name

),

ranked_campaigns as (

    select
        *,
        row_number() over (
            partition by client_slug, period_start
            order by
                spend desc nulls last,
                campaign_name collate "C",
                campaign_entity_id collate "C"
        ) as spend_rank

    from campaigns

),

top_campaigns as (

    select
        client_slug,
        period_start,
        jsonb_agg(
            jsonb_build_object(
                'rank',                 spend_rank,
                'campaign_entity_id',   campaign_entity_id,
                'name',                 campaign_name,
                'spend',                spend,
                'impressions',          impressions,
                'clicks',               clicks,
                'conversions',          conversions,
                'revenue',              revenue,
                'roas',                 {{ ad_ratio('roas', revenue='revenue') }}
            )
            order by spend_rank
        ) as top_campaigns

    from ranked_campaigns
    where spend_rank <= {{ top_n }}
    group by client_slug, period_start

),

creatives as (

    select
        client_slug,
        period_start,
        creative_entity_id,
        creative_name,
        campaign_name,
        sum(impressions)::bigint            as impressions,
        sum(clicks)::bigint                 as clicks,
        sum(conversions)::bigint            as conversions,
        sum(revenue)                        as revenue,
        sum(spend)                          as spend

    from daily
    group by client_slug, period_start, creative_entity_id, creative_name, campaign_name

),

ranked_creatives as (

    select
        *,
        row_number() over (
            partition by client_slug, period_start
            order by
                spend desc nulls last,
                creative_name collate "C",
                creative_entity_id collate "C"
        ) as spend_rank

    from creatives

),

top_creatives as (

    select
        client_slug,
        period_start,
        jsonb_agg(
            jsonb_build_object(
                'rank',                 spend_rank,
                'creative_entity_id',   creative_entity_id,
                'name',                 creative_name,
                'campaign_name',        campaign_name,
                'spend',                spend,
                'impressions',          impressions,
                'clicks',               clicks,
                'conversions',          conversions,
                'revenue',              revenue,
                'roas',                 {{ ad_ratio('roas', revenue='revenue') }}
            )
            order by spend_rank
        ) as top_creatives

    from ranked_creatives
    where spend_rank <= {{ top_n }}
    group by client_slug, period_start

),

final as (

    select
        totals.workspace_slug,
        totals.client_slug,
        coalesce(clients.client_name, totals.client_slug)       as client_name,
        totals.currency,
        totals.period_start                                     as {{ period }}_start,
        totals.period_end                                       as {{ period }}_end,
        totals.days_with_data,
        totals.impressions,
        totals.clicks,
        totals.conversions,
        totals.revenue,
        totals.spend,
        {{ ad_ratios(['ctr', 'cpc', 'cpm', 'cpa', 'roas'], relation='totals', revenue='revenue') }},
        coalesce(top_campaigns.top_campaigns, '[]'::jsonb)      as top_campaigns,
        coalesce(top_creatives.top_creatives, '[]'::jsonb)      as top_creatives

    from totals

    left join clients
        on clients.client_slug = totals.client_slug

    left join top_campaigns
        on  top_campaigns.client_slug = totals.client_slug
        and top_campaigns.period_start = totals.period_start

    left join top_creatives
        on  top_creatives.client_slug = totals.client_slug
        and top_creatives.period_start = totals.period_start

)

select * from final

{%- endmacro %}
