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

    {{ ad_entity_level_rows(
        'meta', 'campaign', 'campaign_nodes', 'accounts', 'account_id', 'campaign_id',
        'campaign_name', status=meta_status('n.campaign_status', 'n.effective_status'),
        goal='n.goal'
    ) }}

),

adset_rows as (

    {{ ad_entity_level_rows(
        'meta', 'ad_set', 'adset_nodes', 'campaign_rows', 'account_id', 'adset_id', 'adset_name',
        status=meta_status('n.adset_status', 'n.effective_status'),
        goal=meta_adset_goal('n.optimization_goal', 'parent.goal'), parent_key='campaign_id'
    ) }}

),

ad_rows as (

    {{ ad_entity_level_rows(
        'meta', 'ad', 'ad_nodes', 'adset_rows', 'account_id', 'ad_id', 'ad_name',
        status=meta_status('n.ad_status', 'n.effective_status'), parent_key='adset_id'
    ) }}

),

unioned as (

    {{ ad_entity_union(['accounts', 'campaign_rows', 'adset_rows', 'ad_rows']) }}

),

final as (

    {{ ad_entity_final('meta', 'unioned') }}

)

select * from final
