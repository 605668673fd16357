-- Meta entities in the unified shape of dim_ad_entities:
-- account (ad account) > campaign > ad_set > ad.
--
-- Ids: stable_id('meta', account_id) for the account, then
-- stable_id('meta', account_id, '<level>', <native id>) below it ('campaign', 'ad_set', 'ad').
-- The level tag keeps ids of different levels apart; an entity's id depends only on its own
-- native id, never on its ancestors, so a fact row or a click can be resolved from
-- (account_id, native id) alone.
--
-- Entities come from the latest-state tables, archived and deleted ones included (current
-- name and status apply to all history). An entity that shows up in insights (daily, first
-- reported or snapshots) but not (yet) in the state tables is added with is_inferred = true,
-- its native id as name, status 'active' and its ancestors taken from the insight row.
--
-- status: meta_status(status, effective_status) (DELETED / ARCHIVED -> removed), own status,
-- not cascaded; accounts meta_account_status(account_status).
-- goal: campaigns meta_objective_goal(objective); ad sets meta_adset_goal(optimization_goal,
-- campaign goal); ads inherit their ad set's goal; accounts 'other'.
-- first/last_seen_date: first / last metric_date of the entity or any descendant.

with

accounts_state as (

    select * from {{ ref('int_meta__ad_accounts') }}

),

campaigns as (

    select * from {{ ref('stg_meta__campaigns') }}

),

adsets as (

    select * from {{ ref('stg_meta__adsets') }}

),

ads as (

    select * from {{ ref('stg_meta__ads') }}

),

metrics as (

    select * from {{ ref('int_meta__ad_metrics') }}

),

-- ads -------------------------------------------------------------------------------------

seen_ads as (

    select
        account_id,
        ad_id,
        max(adset_id)                       as adset_id,
        max(campaign_id)                    as campaign_id,
        min(metric_date)                    as first_seen_date,
        max(metric_date)                    as last_seen_date
    from metrics
    group by account_id, ad_id

),

ad_nodes as (

    select
        coalesce(ads.account_id, seen.account_id)       as account_id,
        coalesce(ads.ad_id, seen.ad_id)                 as ad_id,
        coalesce(ads.adset_id, seen.adset_id)           as adset_id,
        coalesce(ads.campaign_id, seen.campaign_id)     as campaign_id,
        ads.ad_name,
        ads.ad_status,
        ads.effective_status,
        seen.first_seen_date,
        seen.last_seen_date,
        ads.ad_id is null                               as is_inferred
    from ads
    full outer join seen_ads as seen
        on  seen.account_id = ads.account_id
        and seen.ad_id = ads.ad_id

),

-- ad sets ---------------------------------------------------------------------------------

seen_adsets as (

    select
        account_id,
        adset_id,
        max(campaign_id)                    as campaign_id,
        min(first_seen_date)                as first_seen_date,
        max(last_seen_date)                 as last_seen_date
    from ad_nodes
    group by account_id, adset_id

),

adset_nodes as (

    select
        coalesce(adsets.account_id, seen.account_id)    as account_id,
        coalesce(adsets.adset_id, seen.adset_id)        as adset_id,
        coalesce(adsets.campaign_id, seen.campaign_id)  as campaign_id,
        adsets.adset_name,
        adsets.adset_status,
        adsets.effective_status,
        adsets.optimization_goal,
        seen.first_seen_date,
        seen.last_seen_date,
        adsets.adset_id is null                         as is_inferred
    from adsets
    full outer join seen_adsets as seen
        on  seen.account_id = adsets.account_id
        and seen.adset_id = adsets.adset_id

),

-- campaigns -------------------------------------------------------------------------------

seen_campaigns as (

    select
        account_id,
        campaign_id,
        min(first_seen_date)                as first_seen_date,
        max(last_seen_date)                 as last_seen_date
    from adset_nodes
    group by account_id, campaign_id

),

campaign_nodes as (

    select
        coalesce(campaigns.account_id, seen.account_id)     as account_id,
        coalesce(campaigns.campaign_id, seen.campaign_id)   as campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_status,
        campaigns.effective_status,
        {{ meta_objective_goal('campaigns.objective') }}    as goal,
        seen.first_seen_date,
        seen.last_seen_date,
        campaigns.campaign_id is null                       as is_inferred
    from campaigns
    full outer join seen_campaigns as seen
        on  seen.account_id = campaigns.account_id
        and seen.campaign_id = campaigns.campaign_id

),

-- accounts --------------------------------------------------------------------------------

seen_accounts as (

    select
        account_id,
        min(first_seen_date)                as first_seen_date,
        max(last_seen_date)                 as last_seen_date
    from campaign_nodes
    group by account_id

),

account_nodes as (

    select
        coalesce(accounts_state.account_id, seen.account_id) as account_id,
        accounts_state.account_name,
        accounts_state.workspace_slug,
        accounts_state.client_slug,
        accounts_state.currency,
        accounts_state.timezone,
        accounts_state.status,
        seen.first_seen_date,
        seen.last_seen_date,
        accounts_state.account_id is null                   as is_inferred
    from accounts_state
    full outer join seen_accounts as seen
        on seen.account_id = accounts_state.account_id

),

-- unified rows ----------------------------------------------------------------------------

accounts as (

    select
        {{ stable_id('meta', 'account_id') }}                           as entity_id,
        'account'                                                       as level,
        null::text                                                      as parent_entity_id,
        workspace_slug,
        client_slug,
        {{ stable_id('meta', 'account_id') }}                           as account_entity_id,
        null::text                                                      as campaign_entity_id,
        coalesce(account_name, 'act_' || account_id)                    as entity_name,
        coalesce(account_name, 'act_' || account_id)                    as entity_path,
        coalesce(status, 'active')                                      as status,
        'other'                                                         as goal,
        currency,
        timezone,
        first_seen_date,
        last_seen_date,
        account_id                                                      as platform_account_id,
        account_id                                                      as platform_entity_id,
        is_inferred,
        account_id
    from account_nodes

),

campaign_rows as (

    select
        {{ stable_id('meta', 'c.account_id', "'campaign'", 'c.campaign_id') }} as entity_id,
        'campaign'                                                      as level,
        accounts.entity_id                                              as parent_entity_id,
        accounts.workspace_slug,
        accounts.client_slug,
        accounts.entity_id                                              as account_entity_id,
        {{ stable_id('meta', 'c.account_id', "'campaign'", 'c.campaign_id') }} as campaign_entity_id,
        coalesce(c.campaign_name, c.campaign_id)                        as entity_name,
        concat_ws(' > ', accounts.entity_name, coalesce(c.campaign_name, c.campaign_id))
                                                                        as entity_path,
        case when c.is_inferred then 'active'
             else {{ meta_status('c.campaign_status', 'c.effective_status') }} end as status,
        c.goal,
        accounts.currency,
        accounts.timezone,
        c.first_seen_date,
        c.last_seen_date,
        c.account_id                                                    as platform_account_id,
        c.campaign_id                                                   as platform_entity_id,
        c.is_inferred,
        c.account_id,
        c.campaign_id
    from campaign_nodes as c
    join accounts
        on accounts.account_id = c.account_id

),

adset_rows as (

    select
        {{ stable_id('meta', 's.account_id', "'ad_set'", 's.adset_id') }} as entity_id,
        'ad_set'                                                        as level,
        campaign_rows.entity_id                                         as parent_entity_id,
        campaign_rows.workspace_slug,
        campaign_rows.client_slug,
        campaign_rows.account_entity_id,
        campaign_rows.entity_id                                         as campaign_entity_id,
        coalesce(s.adset_name, s.adset_id)                              as entity_name,
        concat_ws(' > ', campaign_rows.entity_path, coalesce(s.adset_name, s.adset_id))
                                                                        as entity_path,
        case when s.is_inferred then 'active'
             else {{ meta_status('s.adset_status', 's.effective_status') }} end as status,
        {{ meta_adset_goal('s.optimization_goal', 'campaign_rows.goal') }} as goal,
        campaign_rows.currency,
        campaign_rows.timezone,
        s.first_seen_date,
        s.last_seen_date,
        s.account_id                                                    as platform_account_id,
        s.adset_id                                                      as platform_entity_id,
        s.is_inferred,
        s.account_id,
        s.adset_id
    from adset_nodes as s
    join campaign_rows
        on  campaign_rows.account_id = s.account_id
        and campaign_rows.campaign_id = s.campaign_id

),

ad_rows as (

    select
        {{ stable_id('meta', 'a.account_id', "'ad'", 'a.ad_id') }}      as entity_id,
        'ad'                                                            as level,
        adset_rows.entity_id                                            as parent_entity_id,
        adset_rows.workspace_slug,
        adset_rows.client_slug,
        adset_rows.account_entity_id,
        adset_rows.campaign_entity_id,
        coalesce(a.ad_name, a.ad_id)                                    as entity_name,
        concat_ws(' > ', adset_rows.entity_path, coalesce(a.ad_name, a.ad_id))
                                                                        as entity_path,
        case when a.is_inferred then 'active'
             else {{ meta_status('a.ad_status', 'a.effective_status') }} end as status,
        adset_rows.goal,
        adset_rows.currency,
        adset_rows.timezone,
        a.first_seen_date,
        a.last_seen_date,
        a.account_id                                                    as platform_account_id,
        a.ad_id                                                         as platform_entity_id,
        a.is_inferred
    from ad_nodes as a
    join adset_rows
        on  adset_rows.account_id = a.account_id
        and adset_rows.adset_id = a.adset_id

),

unioned as (

    select
        entity_id, level, parent_entity_id, workspace_slug, client_slug, account_entity_id,
        campaign_entity_id, entity_name, entity_path, status, goal, currency, timezone,
        first_seen_date, last_seen_date, platform_account_id, platform_entity_id, is_inferred
    from accounts

    union all

    select
        entity_id, level, parent_entity_id, workspace_slug, client_slug, account_entity_id,
        campaign_entity_id, entity_name, entity_path, status, goal, currency, timezone,
        first_seen_date, last_seen_date, platform_account_id, platform_entity_id, is_inferred
    from campaign_rows

    union all

    select
        entity_id, level, parent_entity_id, workspace_slug, client_slug, account_entity_id,
        campaign_entity_id, entity_name, entity_path, status, goal, currency, timezone,
        first_seen_date, last_seen_date, platform_account_id, platform_entity_id, is_inferred
    from adset_rows

    union all

    select
        entity_id, level, parent_entity_id, workspace_slug, client_slug, account_entity_id,
        campaign_entity_id, entity_name, entity_path, status, goal, currency, timezone,
        first_seen_date, last_seen_date, platform_account_id, platform_entity_id, is_inferred
    from ad_rows

),

final as (

    select
        entity_id::text                     as entity_id,
        'meta'::text                        as platform,
        level::text                         as level,
        parent_entity_id::text              as parent_entity_id,
        workspace_slug::text                as workspace_slug,
        client_slug::text                   as client_slug,
        account_entity_id::text             as account_entity_id,
        campaign_entity_id::text            as campaign_entity_id,
        entity_name::text                   as entity_name,
        entity_path::text                   as entity_path,
        status::text                        as status,
        goal::text                          as goal,
        currency::text                      as currency,
        timezone::text                      as timezone,
        status = 'removed'                  as is_deleted,
        first_seen_date::date               as first_seen_date,
        last_seen_date::date                as last_seen_date,
        platform_account_id::text           as platform_account_id,
        platform_entity_id::text            as platform_entity_id,
        is_inferred::boolean                as is_inferred

    from unioned

)

select * from final
