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

-- ads: state table + ads seen in metrics ----------------------------------------------------

seen_ads as (

    select
        customer_id,
        ad_group_id,
        ad_id,
        max(campaign_id)                    as campaign_id,
        min(metric_date)                    as first_seen_date,
        max(metric_date)                    as last_seen_date
    from metrics
    group by customer_id, ad_group_id, ad_id

),

ad_nodes as (

    select
        coalesce(ads.customer_id, seen_ads.customer_id)     as customer_id,
        coalesce(ads.ad_group_id, seen_ads.ad_group_id)     as ad_group_id,
        coalesce(ads.ad_id, seen_ads.ad_id)                 as ad_id,
        coalesce(ads.campaign_id, seen_ads.campaign_id)     as campaign_id,
        ads.ad_name,
        ads.ad_status,
        seen_ads.first_seen_date,
        seen_ads.last_seen_date,
        ads.ad_id is null                                   as is_inferred
    from ads
    full outer join seen_ads
        on  seen_ads.customer_id = ads.customer_id
        and seen_ads.ad_group_id = ads.ad_group_id
        and seen_ads.ad_id = ads.ad_id

),

-- ad groups -------------------------------------------------------------------------------

seen_ad_groups as (

    select
        customer_id,
        ad_group_id,
        max(campaign_id)                    as campaign_id,
        min(first_seen_date)                as first_seen_date,
        max(last_seen_date)                 as last_seen_date
    from ad_nodes
    group by customer_id, ad_group_id

),

ad_group_nodes as (

    select
        coalesce(ad_groups.customer_id, seen.customer_id)   as customer_id,
        coalesce(ad_groups.ad_group_id, seen.ad_group_id)   as ad_group_id,
        coalesce(ad_groups.campaign_id, seen.campaign_id)   as campaign_id,
        ad_groups.ad_group_name,
        ad_groups.ad_group_status,
        seen.first_seen_date,
        seen.last_seen_date,
        ad_groups.ad_group_id is null                       as is_inferred
    from ad_groups
    full outer join seen_ad_groups as seen
        on  seen.customer_id = ad_groups.customer_id
        and seen.ad_group_id = ad_groups.ad_group_id

),

-- campaigns -------------------------------------------------------------------------------

seen_campaigns as (

    select
        customer_id,
        campaign_id,
        min(first_seen_date)                as first_seen_date,
        max(last_seen_date)                 as last_seen_date
    from ad_group_nodes
    group by customer_id, campaign_id

),

campaign_nodes as (

    select
        coalesce(campaigns.customer_id, seen.customer_id)   as customer_id,
        coalesce(campaigns.campaign_id, seen.campaign_id)   as campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_status,
        {{ google_ads_goal('campaigns.advertising_channel_type', 'campaigns.bidding_strategy_type') }}
                                                            as goal,
        seen.first_seen_date,
        seen.last_seen_date,
        campaigns.campaign_id is null                       as is_inferred
    from campaigns
    full outer join seen_campaigns as seen
        on  seen.customer_id = campaigns.customer_id
        and seen.campaign_id = campaigns.campaign_id

),

-- accounts --------------------------------------------------------------------------------

seen_accounts as (

    select
        customer_id,
        min(first_seen_date)                as first_seen_date,
        max(last_seen_date)                 as last_seen_date
    from campaign_nodes
    group by customer_id

),

account_nodes as (

    select
        coalesce(customers.customer_id, seen.customer_id)   as customer_id,
        customers.account_name,
        customers.workspace_slug,
        customers.client_slug,
        customers.currency,
        customers.timezone,
        customers.status,
        seen.first_seen_date,
        seen.last_seen_date,
        customers.customer_id is null                       as is_inferred
    from customers
    full outer join seen_accounts as seen
        on seen.customer_id = customers.customer_id

),

-- unified rows ----------------------------------------------------------------------------

accounts as (

    select
        {{ stable_id('google_ads', 'customer_id') }}                    as entity_id,
        'account'                                                       as level,
        null::text                                                      as parent_entity_id,
        workspace_slug,
        client_slug,
        {{ stable_id('google_ads', 'customer_id') }}                    as account_entity_id,
        null::text                                                      as campaign_entity_id,
        coalesce(account_name, customer_id::text)                       as entity_name,
        coalesce(account_name, customer_id::text)                       as entity_path,
        coalesce(status, 'active')                                      as status,
        'other'                                                         as goal,
        currency,
        timezone,
        first_seen_date,
        last_seen_date,
        customer_id::text                                               as platform_account_id,
        customer_id::text                                               as platform_entity_id,
        is_inferred,
        customer_id
    from account_nodes

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

unioned as (

    {{ ad_entity_union(['accounts', 'campaign_rows', 'ad_group_rows', 'ad_rows']) }}

),

final as (

    {{ ad_entity_final('google_ads', 'unioned') }}

)

select * from final
