-- Shown in Dagster as an asset check on fct_touchpoints (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_touchpoints'}}}) }}

-- A gclid Google reported beats every utm_* of the same event: each touchpoint (and each
-- order's own landing) whose gclid is in raw_google_ads.click_views for an account of its
-- workspace (and of its client, or of none) is matched with match_type 'gclid', confidence
-- 'high', to that click's ad (its ad group when the click names no ad) - looked up here in
-- dim_ad_entities by platform ids, independently of the matching model. For orders the check is
-- on fct_order_attribution. Returns the offending rows.

with

-- the click's ad, or its ad group when the click names no ad: two equi-joins, not one join on
-- an OR, which Postgres can only run as a nested loop over every click and every entity
click_groups as (

    select
        click_views.gclid,
        click_views.ad_id,
        parent.entity_id,
        parent.workspace_slug,
        parent.client_slug

    from {{ source('google_ads', 'click_views') }} as click_views

    join {{ ref('dim_ad_entities') }} as parent
        on  parent.platform = 'google_ads'
        and parent.level = 'ad_group'
        and parent.platform_account_id = click_views.customer_id::text
        and parent.platform_entity_id = click_views.ad_group_id::text

),

click_entities as (

    select click_groups.gclid, entity.entity_id, entity.workspace_slug, entity.client_slug
    from click_groups
    join {{ ref('dim_ad_entities') }} as entity
        on  entity.level = 'ad'
        and entity.parent_entity_id = click_groups.entity_id
        and entity.platform_entity_id = click_groups.ad_id::text
    where click_groups.ad_id is not null

    union all

    select gclid, entity_id, workspace_slug, client_slug
    from click_groups
    where ad_id is null

),

touches as (

    select 'touchpoint' as kind, touchpoint_id as id, workspace_slug, client_slug, gclid,
           match_type, confidence, entity_id, utm_id, utm_content, utm_campaign
    from {{ ref('fct_touchpoints') }}
    where gclid is not null

    union all

    select 'order', order_key, workspace_slug, client_slug, gclid,
           match_type, confidence, entity_id, utm_id, utm_content, utm_campaign
    from {{ ref('fct_order_attribution') }}
    where gclid is not null

)

select
    touches.*,
    click_entities.entity_id                                    as expected_entity_id

from touches

join click_entities
    on  click_entities.gclid = touches.gclid
    and click_entities.workspace_slug = touches.workspace_slug
    and (click_entities.client_slug is null or click_entities.client_slug = touches.client_slug)

where touches.match_type is distinct from 'gclid'
   or touches.confidence is distinct from 'high'
   or touches.entity_id is distinct from click_entities.entity_id
