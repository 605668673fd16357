-- Google Ads entities in the unified shape of dim_ad_entities:
-- account (customer) > campaign > ad_group > ad (ad_group_ad).
--
-- Ids: stable_id('google_ads', customer_id) for the account, then
-- stable_id('google_ads', customer_id, '<level>', <native id(s)>) below it:
-- 'campaign' campaign_id, 'ad_group' ad_group_id, 'ad' ad_group_id, ad_id (an ad is an
-- ad_group_ad). The level tag keeps ids of different levels apart; an entity's id depends only
-- on its own native id, never on its ancestors, so a fact row or a click can be resolved from
-- (customer_id, native id) alone.
--
-- Entities come from the latest-state tables (current name and status apply to all history).
-- An entity that shows up in metrics (daily, first reported or snapshots) but not (yet) in the
-- state tables, e.g. an ad created after today's entity sync, is added with is_inferred = true,
-- its native id as name, status 'active' and its ancestors taken from the metric row, so every
-- metric row has its entity and every roll-up its parents.
--
-- status: google_ads_status / google_ads_customer_status (own status, not cascaded);
-- goal: google_ads_goal(advertising_channel_type, bidding_strategy_type) on campaigns,
-- inherited by ad groups and ads; accounts 'other'.
--
-- Unallocated: a campaign with spend its ads do not report (Performance Max has no ad groups
-- or ads; int_google_ads__ad_metrics.is_unallocated) gets an ad group '(unallocated)' and under
-- it an ad '(unallocated)' (macros/ad_entity_unallocated.sql), ids stable_id('google_ads',
-- customer_id, '<level>', campaign_id, 'unallocated'), is_inferred, platform_entity_id null.
-- first/last_seen_date: first / last metric_date of the entity or any descendant.

with

customers as (

    select * from {{ ref('int_google_ads__customers') }}

),

campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

ad_groups as (

    select * from {{ ref('stg_google_ads__ad_groups') }}

),

ads as (

    select * from {{ ref('stg_google_ads__ads') }}

),

metrics as (

    select * from {{ ref('int_google_ads__ad_metrics') }}

),

ad_metrics as (

    select * from metrics where not is_unallocated

),

-- campaigns' unallocated numbers: one node per campaign ------------------------------------

unallocated_nodes as (

    {{ ad_entity_seen(
        '(select * from metrics where is_unallocated) as unallocated',
        ['customer_id', 'campaign_id'], first='metric_date', last='metric_date'
    ) }}

),

-- ads: state table + ads seen in metrics ----------------------------------------------------

seen_ads as (

    {{ ad_entity_seen(
        'ad_metrics', ['customer_id', 'ad_group_id', 'ad_id'], parents=['campaign_id'],
        first='metric_date', last='metric_date'
    ) }}

),

ad_nodes as (

    {{ ad_entity_nodes(
        'ads', 'seen_ads', ['customer_id', 'ad_group_id', 'ad_id'], parents=['campaign_id'],
        state_columns=['state.ad_name', 'state.ad_status']
    ) }}

),

-- ad groups -------------------------------------------------------------------------------

seen_ad_groups as (

    {{ ad_entity_seen('ad_nodes', ['customer_id', 'ad_group_id'], parents=['campaign_id']) }}

),

ad_group_nodes as (

    {{ ad_entity_nodes(
        'ad_groups', 'seen_ad_groups', ['customer_id', 'ad_group_id'], parents=['campaign_id'],
        state_columns=['state.ad_group_name', 'state.ad_group_status']
    ) }}

),

-- campaigns -------------------------------------------------------------------------------

campaign_children as (

    select customer_id, campaign_id, first_seen_date, last_seen_date from ad_group_nodes
    union all
    select customer_id, campaign_id, first_seen_date, last_seen_date from unallocated_nodes

),

seen_campaigns as (

    {{ ad_entity_seen('campaign_children', ['customer_id', 'campaign_id']) }}

),

campaign_nodes as (

    {{ ad_entity_nodes(
        'campaigns', 'seen_campaigns', ['customer_id', 'campaign_id'],
        state_columns=[
            'state.campaign_name', 'state.campaign_status',
            google_ads_goal('state.advertising_channel_type', 'state.bidding_strategy_type') ~ ' as goal'
        ]
    ) }}

),

-- accounts --------------------------------------------------------------------------------

seen_accounts as (

    {{ ad_entity_seen('campaign_nodes', ['customer_id']) }}

),

account_nodes as (

    {{ ad_entity_nodes(
        'customers', 'seen_accounts', ['customer_id'],
        state_columns=[
            'state.account_name', 'state.workspace_slug', 'state.client_slug', 'state.currency',
            'state.timezone', 'state.status'
        ]
    ) }}

),

-- unified rows ----------------------------------------------------------------------------

accounts as (

    {{ ad_entity_account_rows('google_ads', 'account_nodes', 'customer_id', 'customer_id::text') }}

),

campaign_rows as (

    {{ ad_entity_level_rows(
        'google_ads', 'campaign', 'campaign_nodes', 'accounts', 'customer_id', 'campaign_id',
        'campaign_name', status=google_ads_status('n.campaign_status'), goal='n.goal'
    ) }}

),

ad_group_rows as (

    {{ ad_entity_level_rows(
        'google_ads', 'ad_group', 'ad_group_nodes', 'campaign_rows', 'customer_id', 'ad_group_id',
        'ad_group_name', status=google_ads_status('n.ad_group_status'), parent_key='campaign_id'
    ) }}

),

ad_rows as (

    {{ ad_entity_level_rows(
        'google_ads', 'ad', 'ad_nodes', 'ad_group_rows', 'customer_id', 'ad_id', 'ad_name',
        status=google_ads_status('n.ad_status'), id_parts=['n.ad_group_id', 'n.ad_id'],
        parent_key='ad_group_id'
    ) }}

),

unallocated_ad_group_rows as (

    {{ ad_entity_unallocated_rows(
        'google_ads', 'ad_group', 'unallocated_nodes', 'campaign_rows', 'customer_id', 'campaign_id'
    ) }}

),

unallocated_ad_rows as (

    {{ ad_entity_unallocated_rows(
        'google_ads', 'ad', 'unallocated_nodes', 'unallocated_ad_group_rows', 'customer_id', 'campaign_id'
    ) }}

),

unioned as (

    {{ ad_entity_union([
        'accounts', 'campaign_rows', 'ad_group_rows', 'ad_rows',
        'unallocated_ad_group_rows', 'unallocated_ad_rows'
    ]) }}

),

final as (

    {{ ad_entity_final('google_ads', 'unioned') }}

)

select * from final
