-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Every row of fct_ad_entity_daily and fct_pnl_daily converts to its workspace's reporting
-- currency (the account currency when the workspace sets none) with a rate that exists:
--   * currency and reporting_currency are known, and reporting_currency is the one expected
--     from config.workspaces;
--   * fx_rate = 1 when the currencies are equal, else the config.fx_rates rate in force on
--     metric_date (the latest effective_from <= metric_date for the pair), looked up here
--     straight from the config source; a missing rate fails;
--   * spend_reporting = spend x fx_rate and platform_revenue_reporting = platform_revenue x fx_rate.
-- Returns the offending rows with the problem.

with

rows_to_check as (

    select 'fct_ad_entity_daily' as model, null::text as kind, entity_id, metric_date, workspace_slug,
           currency, reporting_currency, fx_rate, spend, spend_reporting,
           platform_revenue, platform_revenue_reporting
    from {{ ref('fct_ad_entity_daily') }}
    where {{ in_test_window('metric_date') }}

    union all

    select 'fct_pnl_daily', kind, entity_id, metric_date, workspace_slug,
           currency, reporting_currency, fx_rate, spend, spend_reporting,
           platform_revenue, platform_revenue_reporting
    from {{ ref('fct_pnl_daily') }}
    where {{ in_test_window('metric_date') }}

),

expected as (

    select
        rows_to_check.*,
        coalesce(nullif(upper(btrim(workspaces.reporting_currency)), ''), rows_to_check.currency)
                                                                    as expected_reporting_currency
    from rows_to_check
    left join {{ source('metrics_config', 'workspaces') }} as workspaces
        on workspaces.workspace_slug = rows_to_check.workspace_slug

),

with_rate as (

    select
        expected.*,
        case
            when expected.currency = expected.expected_reporting_currency then 1::numeric
            else rate.rate
        end                                                         as expected_fx_rate
    from expected
    left join lateral (
        select r.rate
        from {{ source('metrics_config', 'fx_rates') }} as r
        where upper(r.from_currency) = expected.currency
          and upper(r.to_currency) = expected.expected_reporting_currency
          and r.effective_from <= expected.metric_date
        order by r.effective_from desc
        limit 1
    ) as rate on true

)

select
    *,
    case
        when currency is null then 'currency unknown (account missing?)'
        when expected_reporting_currency is null then 'reporting currency unknown'
        when (reporting_currency is distinct from expected_reporting_currency) then 'wrong reporting_currency'
        when expected_fx_rate is null
            then 'no fx rate ' || currency || ' -> ' || expected_reporting_currency || ' in force on ' || metric_date
        when (fx_rate is distinct from expected_fx_rate) then 'fx_rate is not the rate in force'
        when (spend_reporting is distinct from spend * expected_fx_rate) then 'spend_reporting <> spend x rate'
        when (platform_revenue_reporting is distinct from platform_revenue * expected_fx_rate)
            then 'platform_revenue_reporting <> platform_revenue x rate'
    end                                                             as problem

from with_rate

where currency is null
   or expected_reporting_currency is null
   or reporting_currency is distinct from expected_reporting_currency
   or expected_fx_rate is null
   or fx_rate is distinct from expected_fx_rate
   or spend_reporting is distinct from spend * expected_fx_rate
   or platform_revenue_reporting is distinct from platform_revenue * expected_fx_rate
