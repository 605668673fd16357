-- Shown in Dagster as an asset check on monthly_summaries (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'monthly_summaries'}}}) }}

-- weekly_summaries and monthly_summaries must add up to fct_media_partner_daily:
--   1. for each client and week / month, the summary's impressions, clicks, conversions,
--      revenue, spend and days_with_data equal the daily rows of that period (and no period
--      is missing or extra on either side);
--      (a summary row with a wrong week/month boundary counts as missing);
--   2. for each client, the sum over all its weeks equals the sum over all its months.
-- Returns one row per disagreement; check_name says which check.

with

daily as (

    select * from {{ ref('fct_media_partner_daily') }}

),

daily_by_period as (

    select
        'week'                                      as period,
        client_slug,
        -- Monday of the ISO week, computed differently from the model on purpose
        report_date - (extract(isodow from report_date)::integer - 1) as period_start,
        count(distinct report_date)                 as days_with_data,
        sum(impressions)                            as impressions,
        sum(clicks)                                 as clicks,
        sum(conversions)                            as conversions,
        sum(revenue)                                as revenue,
        sum(spend)                                  as spend
    from daily
    group by 1, 2, 3

    union all

    select
        'month',
        client_slug,
        make_date(extract(year from report_date)::integer, extract(month from report_date)::integer, 1),
        count(distinct report_date),
        sum(impressions),
        sum(clicks),
        sum(conversions),
        sum(revenue),
        sum(spend)
    from daily
    group by 1, 2, 3

),

summaries as (

    select
        'week'              as period,
        client_slug,
        week_start          as period_start,
        days_with_data,
        impressions,
        clicks,
        conversions,
        revenue,
        spend
    from {{ ref('weekly_summaries') }}
    -- a week is Monday..Sunday
    where extract(isodow from week_start) = 1 and week_end = week_start + 6

    union all

    select
        'month',
        client_slug,
        month_start,
        days_with_data,
        impressions,
        clicks,
        conversions,
        revenue,
        spend
    from {{ ref('monthly_summaries') }}
    -- a month is its first..last day
    where extract(day from month_start) = 1
      and month_end = (month_start + interval '1 month' - interval '1 day')::date

),

period_mismatches as (

    select
        'period totals'                                         as check_name,
        coalesce(d.period, s.period)                            as period,
        coalesce(d.client_slug, s.client_slug)                  as client_slug,
        coalesce(d.period_start, s.period_start)                as period_start,
        d.spend                                                 as expected_spend,
        s.spend                                                 as actual_spend

    from daily_by_period as d

    full outer join summaries as s
        on  s.period = d.period
        and s.client_slug = d.client_slug
        and s.period_start = d.period_start

    where d.client_slug is null
       or s.client_slug is null
       or d.days_with_data is distinct from s.days_with_data
       or d.impressions    is distinct from s.impressions
       or d.clicks         is distinct from s.clicks
       or d.conversions    is distinct from s.conversions
       or d.revenue        is distinct from s.revenue
       or d.spend          is distinct from s.spend

),

client_totals as (

    select
        client_slug,
        period,
        sum(impressions)    as impressions,
        sum(clicks)         as clicks,
        sum(conversions)    as conversions,
        sum(revenue)        as revenue,
        sum(spend)          as spend,
        sum(days_with_data) as days_with_data
    from summaries
    group by client_slug, period

),

weeks_vs_months as (

    select
        'all weeks = all months'                                as check_name,
        'week/month'                                            as period,
        coalesce(w.client_slug, m.client_slug)                  as client_slug,
        null::date                                              as period_start,
        m.spend                                                 as expected_spend,
        w.spend                                                 as actual_spend

    from (select * from client_totals where period = 'week') as w

    full outer join (select * from client_totals where period = 'month') as m  -- noqa: ST05
        on m.client_slug = w.client_slug

    where w.client_slug is null
       or m.client_slug is null
       or w.impressions    is distinct from m.impressions
       or w.clicks         is distinct from m.clicks
       or w.conversions    is distinct from m.conversions
       or w.revenue        is distinct from m.revenue
       or w.spend          is distinct from m.spend
       or w.days_with_data is distinct from m.days_with_data

)

select * from period_mismatches
union all
select * from weeks_vs_months
