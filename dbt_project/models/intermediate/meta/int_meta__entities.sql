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

    {{ ad_entity_seen(
        'metrics', ['account_id', 'ad_id'], parents=['adset_id', 'campaign_id'],
        first='metric_date', last='metric_date'
    ) }}

),

ad_nodes as (

    {{ ad_entity_nodes(
        'ads', 'seen_ads', ['account_id', 'ad_id'], parents=['adset_id', 'campaign_id'],
        state_columns=['state.ad_name', 'state.ad_status', 'state.effective_status']
    ) }}

),

-- ad sets ---------------------------------------------------------------------------------

seen_adsets as (

    {{ ad_entity_seen('ad_nodes', ['account_id', 'adset_id'], parents=['campaign_id']) }}

),

adset_nodes as (

    {{ ad_entity_nodes(
        'adsets', 'seen_adsets', ['account_id', 'adset_id'], parents=['campaign_id'],
        state_columns=[
            'state.adset_name', 'state.adset_status', 'state.effective_status',
            'state.optimization_goal'
        ]
    ) }}

),

-- campaigns -------------------------------------------------------------------------------

seen_campaigns as (

    {{ ad_entity_seen('adset_nodes', ['account_id', 'campaign_id']) }}

),

campaign_nodes as (

    {{ ad_entity_nodes(
        'campaigns', 'seen_campaigns', ['account_id', 'campaign_id'],
        state_columns=[
            'state.campaign_name', 'state.campaign_status', 'state.effective_status',
            meta_objective_goal('state.objective') ~ ' as goal'
        ]
    ) }}

),

-- accounts --------------------------------------------------------------------------------

seen_accounts as (

    {{ ad_entity_seen('campaign_nodes', ['account_id']) }}

),

account_nodes as (

    {{ ad_entity_nodes(
        'accounts_state', 'seen_accounts', ['account_id'],
        state_columns=[
            'state.account_name', 'state.workspace_slug', 'state.client_slug', 'state.currency',
            'state.timezone', 'state.status'
        ]
    ) }}

),

-- unified rows ----------------------------------------------------------------------------

accounts as (

    {{ ad_entity_account_rows('meta', 'account_nodes', 'account_id', "'act_' || account_id") }}

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
