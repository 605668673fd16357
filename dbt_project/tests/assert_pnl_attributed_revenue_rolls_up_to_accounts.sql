-- Shown in Dagster as an asset check on fct_pnl_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_pnl_daily'}}}) }}

-- fct_pnl_daily's attributed figures, recomputed from fct_attribution_links (the workspace's
-- pnl_model from config.attribution_settings, default last_touch), per account and order date,
-- converted from the shop's currency into the account's with the config.fx_rates rate in force
-- (looked up here straight from the config source):
--   * the account row's attributed_orders / attributed_revenue / cogs equal the sum over every
--     link whose entity is in the account;
--   * the sum of the account's ad rows equals the sum over the links resolved to an ad;
-- so an account's attributed revenue is the sum of its ads' plus what was resolved above ad
-- level (a campaign by utm_id / fbclid / utm_campaign, a Google ad group). eod rows of closed
-- days only; a link whose currency has no rate into the account's fails.
-- Returns one row per (account, day) that disagrees, or per link without a rate.

with

-- materialized: inlined, Postgres re-ran this aggregate over the whole mart for every link
as_of as materialized (

    select max(as_of_at) as as_of_at from {{ ref('fct_pnl_daily') }}

),

entities as (

    select * from {{ ref('dim_ad_entities') }}

),

links as (

    select links.*
    from {{ ref('fct_attribution_links') }} as links
    left join {{ source('metrics_config', 'attribution_settings') }} as settings
        on settings.workspace_slug = links.workspace_slug
    where links.entity_id is not null
      and {{ in_test_window('links.order_date') }}
      and links.model = coalesce(lower(btrim(settings.pnl_model)), 'last_touch')

),

converted as (

    select
        links.order_key,
        links.touchpoint_id,
        links.order_date,
        links.currency                                          as order_currency,
        entities.currency                                       as account_currency,
        entities.account_entity_id,
        entities.level,
        links.weight,
        links.attributed_revenue * rate.rate                    as attributed_revenue,
        links.attributed_cogs * rate.rate                       as attributed_cogs,
        rate.rate

    from links

    join entities
        on entities.entity_id = links.entity_id

    cross join as_of

    left join lateral (
        select 1::numeric as rate
        where upper(links.currency) = upper(entities.currency)
        union all
        (select r.rate
         from {{ source('metrics_config', 'fx_rates') }} as r
         where upper(links.currency) <> upper(entities.currency)
           and upper(r.from_currency) = upper(links.currency)
           and upper(r.to_currency) = upper(entities.currency)
           and r.effective_from <= links.order_date
         order by r.effective_from desc
         limit 1)
    ) as rate on true

    where links.order_date < (as_of.as_of_at at time zone entities.timezone)::date

),

expected as (

    select
        account_entity_id,
        order_date                                              as metric_date,
        sum(weight)                                             as attributed_orders,
        sum(attributed_revenue)                                 as attributed_revenue,
        sum(attributed_cogs)                                    as cogs,
        sum(weight) filter (where level = 'ad')                 as ad_attributed_orders,
        sum(attributed_revenue) filter (where level = 'ad')     as ad_attributed_revenue,
        sum(attributed_cogs) filter (where level = 'ad')        as ad_cogs
    from converted
    where rate is not null
    group by account_entity_id, order_date

),

pnl as (

    select * from {{ ref('fct_pnl_daily') }}
    where kind = 'eod' and {{ in_test_window('metric_date') }}

),

accounts as (

    select entity_id as account_entity_id, metric_date, attributed_orders, attributed_revenue, cogs
    from pnl
    where level in ('account', 'client')
      and (attributed_orders <> 0 or attributed_revenue <> 0 or cogs <> 0)

),

ads_summed as (

    select
        account_entity_id,
        metric_date,
        sum(attributed_orders)                                  as attributed_orders,
        sum(attributed_revenue)                                 as attributed_revenue,
        sum(cogs)                                               as cogs
    from pnl
    where level in ('ad', 'creative', 'keyword', 'product')
    group by account_entity_id, metric_date

),

compared as (

    select
        coalesce(expected.account_entity_id, accounts.account_entity_id) as account_entity_id,
        coalesce(expected.metric_date, accounts.metric_date)    as metric_date,
        accounts.attributed_revenue                             as account_attributed_revenue,
        expected.attributed_revenue                             as expected_attributed_revenue,
        ads_summed.attributed_revenue                           as ads_attributed_revenue,
        expected.ad_attributed_revenue                          as expected_ads_attributed_revenue,
        case
            when coalesce(accounts.attributed_orders, 0) <> coalesce(expected.attributed_orders, 0)
              or coalesce(accounts.attributed_revenue, 0) <> coalesce(expected.attributed_revenue, 0)
              or coalesce(accounts.cogs, 0) <> coalesce(expected.cogs, 0)
                then 'account row <> its links'
            when coalesce(ads_summed.attributed_orders, 0) <> coalesce(expected.ad_attributed_orders, 0)
              or coalesce(ads_summed.attributed_revenue, 0) <> coalesce(expected.ad_attributed_revenue, 0)
              or coalesce(ads_summed.cogs, 0) <> coalesce(expected.ad_cogs, 0)
                then 'sum of ad rows <> links resolved to ads'
        end                                                     as problem

    from expected

    full outer join accounts
        on  accounts.account_entity_id = expected.account_entity_id
        and accounts.metric_date = expected.metric_date

    left join ads_summed
        on  ads_summed.account_entity_id = coalesce(expected.account_entity_id, accounts.account_entity_id)
        and ads_summed.metric_date = coalesce(expected.metric_date, accounts.metric_date)

)

select account_entity_id, metric_date, account_attributed_revenue, expected_attributed_revenue,
       ads_attributed_revenue, expected_ads_attributed_revenue, problem
from compared
where problem is not null

union all

select account_entity_id, order_date, null, null, null, null,
       'no fx rate ' || order_currency || ' -> ' || account_currency || ' in force on ' || order_date
       || ' for order ' || order_key
from converted
where rate is null
