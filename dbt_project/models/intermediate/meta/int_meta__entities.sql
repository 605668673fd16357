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
--
-- Each account with billed spend its ad-level rows do not carry (int_meta__unallocated_daily)
-- gets an '(unallocated)' campaign > ad set > ad chain under it: is_inferred, no
-- platform_entity_id, ids from the account id + 'unallocated' (the convention shared with
-- Google Ads); first/last_seen_date are the days with an unallocated row.

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

-- '(unallocated)' ------------------------------------------------------------------------

unallocated_days as (

    select
        account_id,
        min(metric_date)    as first_seen_date,
        max(metric_date)    as last_seen_date
    from {{ ref('int_meta__unallocated_daily') }}
    group by account_id

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

unallocated_rows as (

    {#- (level, the parent's id parts after 'unallocated'; none: the parent is the account) #}
    {%- for level, parent_parts in [('campaign', none), ('ad_set', []), ('ad', ["'ad_set'"])] %}
    {%- set own_parts = [] if level == 'campaign' else ["'" ~ level ~ "'"] %}
    {% if not loop.first %}union all

    {% endif -%}
    select
        {{ stable_id('meta', 'u.account_id', "'unallocated'", *own_parts) }} as entity_id,
        '{{ level }}'                                                   as level,
        {% if parent_parts is none -%}
        accounts.entity_id
        {%- else -%}
        {{ stable_id('meta', 'u.account_id', "'unallocated'", *parent_parts) }}
        {%- endif %}                                                    as parent_entity_id,
        accounts.workspace_slug,
        accounts.client_slug,
        accounts.account_entity_id,
        {{ stable_id('meta', 'u.account_id', "'unallocated'") }}      as campaign_entity_id,
        '(unallocated)'                                                 as entity_name,
        accounts.entity_path || repeat(' > (unallocated)', {{ loop.index }}) as entity_path,
        'active'                                                        as status,
        'other'                                                         as goal,
        accounts.currency,
        accounts.timezone,
        u.first_seen_date,
        u.last_seen_date,
        u.account_id::text                                              as platform_account_id,
        null::text                                                      as platform_entity_id,
        true                                                            as is_inferred
    from unallocated_days as u
    join accounts
        on accounts.account_id = u.account_id
    {% endfor %}

),

unioned as (

    {{ ad_entity_union(['accounts', 'campaign_rows', 'adset_rows', 'ad_rows', 'unallocated_rows']) }}

),

final as (

    {{ ad_entity_final('meta', 'unioned') }}

)

select * from final
