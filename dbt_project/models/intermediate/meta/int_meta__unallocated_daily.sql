-- What Meta bills an ad account on a day (insights level=account) that its ad-level rows do
-- not carry: the spend, impressions and clicks of ads act_<id>/insights?level=ad no longer
-- returns (deleted ads). One row per metric_kind, account and day where the two differ, on
-- the account's '(unallocated)' ad, so that the account's spend in fct_ad_entity_daily is
-- what Meta bills:
--   'daily'           the bill (stg_meta__account_daily_insights) - the 'daily' ad rows
--   'first_reported'  the first bill of a closed day - the 'first_reported' ad rows, so
--                     end-of-day drift (fct_pnl_daily) compares like with like
--
-- The rule (see metrics_pipeline/sources/meta/load.py): ad-level rows are what Meta returns
-- now (a re-land replaces the account's days), the bill is the account-level row, and
-- unallocated = bill - sum(ad rows). A vanished ad's earlier rows are replaced by this row,
-- never kept next to it (that would count its spend twice). Conversions are not in the
-- account-level row: the unallocated row carries none.
--
-- Ids (the convention shared with Google Ads): the '(unallocated)' entity directly under the
-- account is stable_id('meta', account_id, 'unallocated'); Meta's hierarchy needs a campaign
-- > ad set > ad chain, so below it stable_id('meta', account_id, 'unallocated', '<level>').

with

billed as (

    select 'daily'::text as metric_kind, account_id, metric_date, extracted_at as observed_at,
        spend, impressions, clicks
    from {{ ref('stg_meta__account_daily_insights') }}

    union all

    select 'first_reported', account_id, metric_date, first_reported_at,
        spend, impressions, clicks
    from {{ ref('stg_meta__account_daily_insights_first_reported') }}

),

ad_rows as (

    select
        metric_kind,
        account_id,
        metric_date,
        sum(spend)          as spend,
        sum(impressions)    as impressions,
        sum(clicks)         as clicks
    from {{ ref('int_meta__ad_metrics') }}
    where metric_kind in ('daily', 'first_reported')
    group by metric_kind, account_id, metric_date

),

differences as (

    select
        billed.metric_kind,
        billed.account_id,
        billed.metric_date,
        billed.observed_at,
        billed.spend - coalesce(ad_rows.spend, 0)               as spend,
        billed.impressions - coalesce(ad_rows.impressions, 0)   as impressions,
        billed.clicks - coalesce(ad_rows.clicks, 0)             as clicks
    from billed
    left join ad_rows
        on  ad_rows.metric_kind = billed.metric_kind
        and ad_rows.account_id = billed.account_id
        and ad_rows.metric_date = billed.metric_date

),

final as (

    select
        metric_kind,
        metric_date,
        {{ stable_id('meta', 'account_id', "'unallocated'", "'ad'") }}     as entity_id,
        {{ stable_id('meta', 'account_id', "'unallocated'", "'ad_set'") }} as ad_set_entity_id,
        {{ stable_id('meta', 'account_id', "'unallocated'") }}              as campaign_entity_id,
        {{ stable_id('meta', 'account_id') }}                               as account_entity_id,
        account_id,
        observed_at,
        spend,
        impressions,
        clicks,
        0::numeric                                                          as conversions,
        0::numeric                                                          as platform_revenue
    from differences
    where spend <> 0 or impressions <> 0 or clicks <> 0

)

select * from final
