-- TikTok entities in the unified shape of dim_ad_entities:
-- account (advertiser) > campaign > ad_group > ad.
--
-- Ids: stable_id('tiktok_ads', advertiser_id) for the advertiser, then
-- stable_id('tiktok_ads', advertiser_id, '<level>', <native id>) below it ('campaign',
-- 'ad_group', 'ad'): an entity's id depends only on its own native id, so a report row or a
-- click (utm ids filled in by TikTok's URL macros) is resolved from (advertiser_id, native id).
--
-- Entities come from the latest-state tables, deleted ones included (asked for with
-- primary_status STATUS_ALL); one that shows up in the report but not in the state tables is
-- added with is_inferred = true, its native id as name and its ancestors from the report row.
--
-- status: tiktok_ads_status(operation_status, secondary_status) (a *_STATUS_DELETE ->
-- removed), own status, not cascaded; advertisers tiktok_ads_advertiser_status(status).
-- goal: campaigns tiktok_ads_objective_goal(objective_type); ad groups and ads inherit it;
-- advertisers 'other'. first/last_seen_date: first / last metric_date of the entity or any
-- descendant.

with

advertisers_state as (

    select * from {{ ref('int_tiktok_ads__advertisers') }}

),

campaigns as (

    select * from {{ ref('stg_tiktok_ads__campaigns') }}

),

adgroups as (

    select * from {{ ref('stg_tiktok_ads__adgroups') }}

),

ads as (

    select * from {{ ref('stg_tiktok_ads__ads') }}

),

metrics as (

    select * from {{ ref('int_tiktok_ads__ad_metrics') }}

),

-- ads -------------------------------------------------------------------------------------

seen_ads as (

    {{ ad_entity_seen(
        'metrics', ['advertiser_id', 'ad_id'], parents=['adgroup_id', 'campaign_id'],
        first='metric_date', last='metric_date'
    ) }}

),

ad_nodes as (

    {{ ad_entity_nodes(
        'ads', 'seen_ads', ['advertiser_id', 'ad_id'], parents=['adgroup_id', 'campaign_id'],
        state_columns=['state.ad_name', 'state.operation_status', 'state.secondary_status']
    ) }}

),

-- ad groups -------------------------------------------------------------------------------

seen_adgroups as (

    {{ ad_entity_seen('ad_nodes', ['advertiser_id', 'adgroup_id'], parents=['campaign_id']) }}

),

adgroup_nodes as (

    {{ ad_entity_nodes(
        'adgroups', 'seen_adgroups', ['advertiser_id', 'adgroup_id'], parents=['campaign_id'],
        state_columns=['state.adgroup_name', 'state.operation_status', 'state.secondary_status']
    ) }}

),

-- campaigns -------------------------------------------------------------------------------

seen_campaigns as (

    {{ ad_entity_seen('adgroup_nodes', ['advertiser_id', 'campaign_id']) }}

),

campaign_nodes as (

    {{ ad_entity_nodes(
        'campaigns', 'seen_campaigns', ['advertiser_id', 'campaign_id'],
        state_columns=[
            'state.campaign_name', 'state.operation_status', 'state.secondary_status',
            tiktok_ads_objective_goal('state.objective_type') ~ ' as goal'
        ]
    ) }}

),

-- advertisers -----------------------------------------------------------------------------

seen_advertisers as (

    {{ ad_entity_seen('campaign_nodes', ['advertiser_id']) }}

),

advertiser_nodes as (

    {{ ad_entity_nodes(
        'advertisers_state', 'seen_advertisers', ['advertiser_id'],
        state_columns=[
            'state.account_name', 'state.workspace_slug', 'state.client_slug', 'state.currency',
            'state.timezone', 'state.status'
        ]
    ) }}

),

-- unified rows ----------------------------------------------------------------------------

accounts as (

    {{ ad_entity_account_rows('tiktok_ads', 'advertiser_nodes', 'advertiser_id', 'advertiser_id') }}

),

campaign_rows as (

    {{ ad_entity_level_rows(
        'tiktok_ads', 'campaign', 'campaign_nodes', 'accounts', 'advertiser_id', 'campaign_id',
        'campaign_name', status=tiktok_ads_status('n.operation_status', 'n.secondary_status'),
        goal="coalesce(n.goal, 'other')"
    ) }}

),

adgroup_rows as (

    {{ ad_entity_level_rows(
        'tiktok_ads', 'ad_group', 'adgroup_nodes', 'campaign_rows', 'advertiser_id', 'adgroup_id',
        'adgroup_name', status=tiktok_ads_status('n.operation_status', 'n.secondary_status'),
        parent_key='campaign_id'
    ) }}

),

ad_rows as (

    {{ ad_entity_level_rows(
        'tiktok_ads', 'ad', 'ad_nodes', 'adgroup_rows', 'advertiser_id', 'ad_id', 'ad_name',
        status=tiktok_ads_status('n.operation_status', 'n.secondary_status'), parent_key='adgroup_id'
    ) }}

),

unioned as (

    {{ ad_entity_union(['accounts', 'campaign_rows', 'adgroup_rows', 'ad_rows']) }}

),

final as (

    {{ ad_entity_final('tiktok_ads', 'unioned') }}

)

select * from final
