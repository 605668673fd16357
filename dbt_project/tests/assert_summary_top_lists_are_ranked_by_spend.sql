-- Shown in Dagster as an asset check on weekly_summaries (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'weekly_summaries'}}}) }}

-- top_campaigns / top_creatives on weekly_summaries and monthly_summaries:
--   * a jsonb array (never null), with at most 5 entries,
--   * exactly min(5, number of distinct campaigns / creatives of the client in the period),
--   * ranks are 1..n in array order,
--   * spend never increases with rank; equal spend is ordered by name (byte order),
--   * roas is null exactly when spend = 0,
--   * entry k is the campaign / creative that ranks k-th in fct_media_partner_daily for the
--     client and period (spend desc, then name, then id, in byte order), with its numbers.
-- Returns one row per offending list or entry.

with

summaries as (

    select 'week' as period, client_slug, week_start as period_start, top_campaigns, top_creatives
    from {{ ref('weekly_summaries') }}

    union all

    select 'month', client_slug, month_start, top_campaigns, top_creatives
    from {{ ref('monthly_summaries') }}

),

lists as (

    select period, client_slug, period_start, 'top_campaigns' as list_name, top_campaigns as list
    from summaries

    union all

    select period, client_slug, period_start, 'top_creatives', top_creatives
    from summaries

),

daily as (

    select * from {{ ref('fct_media_partner_daily') }}

),

candidates as (

    select 'week' as period, client_slug, date_trunc('week', report_date::timestamp)::date as period_start,
           count(distinct campaign_entity_id) as n_campaigns,
           count(distinct creative_entity_id) as n_creatives
    from daily
    group by 1, 2, 3

    union all

    select 'month', client_slug, date_trunc('month', report_date::timestamp)::date,
           count(distinct campaign_entity_id),
           count(distinct creative_entity_id)
    from daily
    group by 1, 2, 3

),

entries as (

    select
        lists.period,
        lists.client_slug,
        lists.period_start,
        lists.list_name,
        e.ordinality                                    as position,
        (e.item ->> 'rank')::bigint                     as rank,
        coalesce(e.item ->> 'campaign_entity_id', e.item ->> 'creative_entity_id') as entity_id,
        e.item ->> 'name'                               as name,
        e.item ->> 'campaign_name'                      as campaign_name,
        (e.item ->> 'spend')::numeric                   as spend,
        (e.item ->> 'impressions')::numeric             as impressions,
        (e.item ->> 'clicks')::numeric                  as clicks,
        (e.item ->> 'conversions')::numeric             as conversions,
        (e.item ->> 'revenue')::numeric                 as revenue,
        (e.item ->> 'roas')::numeric                    as roas

    from lists
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(lists.list) = 'array' then lists.list else '[]'::jsonb end
    ) with ordinality as e(item, ordinality)

),

bad_lists as (

    select
        lists.period,
        lists.client_slug,
        lists.period_start,
        lists.list_name,
        null::bigint                                    as position,
        'list is not an array of min(5, candidates) entries' as problem

    from lists

    left join candidates
        on  candidates.period = lists.period
        and candidates.client_slug = lists.client_slug
        and candidates.period_start = lists.period_start

    where lists.list is null
       or jsonb_typeof(lists.list) <> 'array'
       or jsonb_array_length(lists.list) > 5
       or jsonb_array_length(lists.list) <> least(
            5,
            coalesce(
                case lists.list_name
                    when 'top_campaigns' then candidates.n_campaigns
                    else candidates.n_creatives
                end,
                0
            )
          )

),

entity_periods as (

    select 'week' as period, 'top_campaigns' as list_name, client_slug,
           date_trunc('week', report_date::timestamp)::date as period_start,
           campaign_entity_id as entity_id, campaign_name as name, null::text as campaign_name,
           sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks,
           sum(conversions) as conversions, sum(revenue) as revenue
    from daily
    group by 1, 2, 3, 4, 5, 6, 7

    union all

    select 'month', 'top_campaigns', client_slug, date_trunc('month', report_date::timestamp)::date,
           campaign_entity_id, campaign_name, null::text,
           sum(spend), sum(impressions), sum(clicks), sum(conversions), sum(revenue)
    from daily
    group by 1, 2, 3, 4, 5, 6, 7

    union all

    select 'week', 'top_creatives', client_slug, date_trunc('week', report_date::timestamp)::date,
           creative_entity_id, creative_name, campaign_name,
           sum(spend), sum(impressions), sum(clicks), sum(conversions), sum(revenue)
    from daily
    group by 1, 2, 3, 4, 5, 6, 7

    union all

    select 'month', 'top_creatives', client_slug, date_trunc('month', report_date::timestamp)::date,
           creative_entity_id, creative_name, campaign_name,
           sum(spend), sum(impressions), sum(clicks), sum(conversions), sum(revenue)
    from daily
    group by 1, 2, 3, 4, 5, 6, 7

),

expected as (

    select
        *,
        row_number() over (
            partition by period, list_name, client_slug, period_start
            order by spend desc nulls last, name collate "C", entity_id collate "C"
        ) as expected_rank
    from entity_periods

),

bad_entries as (

    select
        e.period,
        e.client_slug,
        e.period_start,
        e.list_name,
        e.position,
        case
            when (e.rank is distinct from e.position) then 'rank is not its 1-based position'
            when e.spend is null then 'spend missing'
            when e.previous_spend < e.spend then 'spend increases with rank'
            when e.previous_spend = e.spend and e.previous_name collate "C" > e.name collate "C"
                then 'equal spend not ordered by name'
            when (e.spend = 0) <> (e.roas is null) then 'roas must be null exactly when spend = 0'
            when x.entity_id is null
              or (x.entity_id   is distinct from e.entity_id)
              or (x.name        is distinct from e.name)
              or (x.campaign_name is distinct from e.campaign_name)
              or (x.spend       is distinct from e.spend)
              or (x.impressions is distinct from e.impressions)
              or (x.clicks      is distinct from e.clicks)
              or (x.conversions is distinct from e.conversions)
              or (x.revenue     is distinct from e.revenue)
                then 'entry is not the entity ranked here in fct_media_partner_daily, or its numbers differ'
        end as problem

    from (
        select
            *,
            lag(spend) over w   as previous_spend,
            lag(name) over w    as previous_name
        from entries
        window w as (partition by period, client_slug, period_start, list_name order by position)
    ) as e

    left join expected as x
        on  x.period = e.period
        and x.list_name = e.list_name
        and x.client_slug = e.client_slug
        and x.period_start = e.period_start
        and x.expected_rank = e.position

)

select * from bad_lists
union all
select * from bad_entries where problem is not null
