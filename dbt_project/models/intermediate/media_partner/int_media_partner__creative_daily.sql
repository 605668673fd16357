-- One row per client, report_date and creative path (campaign > strategy > placement >
-- creative). The same names may appear on several rows of one file: they are summed here.
-- Spend is not in the export: it is impressions / 1000 x the client's CPM in force on
-- report_date, kept exact in numeric (impressions * cpm * 0.001 has scale 9: cpm's 6 + 3).
-- Left joins on purpose: a row never disappears because its client or its CPM is missing;
-- spend/cpm_rate are then null and the tests (not_null, assert_every_landed_day_has_a_cpm_in_force)
-- say so.

with

exports as (

    select * from {{ ref('stg_media_partner__daily_exports') }}

),

clients as (

    select * from {{ ref('stg_metrics_config__clients') }}

),

cpm_periods as (

    select * from {{ ref('int_media_partner__cpm_periods') }}

),

summed as (

    select
        client_slug,
        report_date,
        campaign_name,
        strategy_name,
        placement_name,
        creative_name,
        sum(impressions)::bigint            as impressions,
        sum(clicks)::bigint                 as clicks,
        sum(conversions)::bigint            as conversions,
        sum(conversion_revenue)             as conversion_revenue,
        count(*)::integer                   as source_row_count

    from exports
    group by 1, 2, 3, 4, 5, 6

),

joined as (

    select
        summed.client_slug,
        summed.report_date,
        clients.workspace_slug,
        clients.client_name,
        clients.currency,
        clients.timezone,

        {{ stable_id('media_partner', 'summed.client_slug') }}
            as client_entity_id,
        {{ stable_id('media_partner', 'summed.client_slug', 'summed.campaign_name') }}
            as campaign_entity_id,
        {{ stable_id('media_partner', 'summed.client_slug', 'summed.campaign_name',
                     'summed.strategy_name') }}
            as strategy_entity_id,
        {{ stable_id('media_partner', 'summed.client_slug', 'summed.campaign_name',
                     'summed.strategy_name', 'summed.placement_name') }}
            as placement_entity_id,
        {{ stable_id('media_partner', 'summed.client_slug', 'summed.campaign_name',
                     'summed.strategy_name', 'summed.placement_name', 'summed.creative_name') }}
            as creative_entity_id,

        summed.campaign_name,
        summed.strategy_name,
        summed.placement_name,
        summed.creative_name,

        summed.impressions,
        summed.clicks,
        summed.conversions,
        summed.conversion_revenue,
        cpm_periods.cpm                                         as cpm_rate,
        summed.impressions::numeric * cpm_periods.cpm * 0.001   as spend,
        summed.source_row_count

    from summed

    left join clients
        on clients.client_slug = summed.client_slug

    left join cpm_periods
        on  cpm_periods.client_slug = summed.client_slug
        and cpm_periods.effective_from <= summed.report_date
        and (cpm_periods.effective_to is null or summed.report_date < cpm_periods.effective_to)

)

select * from joined
