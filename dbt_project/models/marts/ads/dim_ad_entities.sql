-- One row per ad entity of every platform, each normalised in its own int_ model:
--   google_ads     account > campaign > ad_group > ad              (int_google_ads__entities)
--   meta           account > campaign > ad_set > ad                (int_meta__entities)
--   media_partner  client > campaign > strategy > placement > creative (int_media_partner__entities)
--   amazon_ads     account > portfolio > campaign > ad_group > keyword (int_amazon_ads__entities)
--   affiliate      account > campaign (tracking id) > product          (int_affiliate__entities)
-- Ids are stable_id(platform, ...): see each int_ model for the parts.

with

google_ads as (

    select * from {{ ref('int_google_ads__entities') }}

),

meta as (

    select * from {{ ref('int_meta__entities') }}

),

media_partner as (

    select * from {{ ref('int_media_partner__entities') }}

),

amazon_ads as (

    select * from {{ ref('int_amazon_ads__entities') }}

),

affiliate as (

    select * from {{ ref('int_affiliate__entities') }}

),

unioned as (

    select * from google_ads
    union all
    select * from meta
    union all
    select * from media_partner
    union all
    select * from amazon_ads
    union all
    select * from affiliate

),

final as (

    select
        entity_id,
        platform,
        level,
        parent_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        entity_name,
        entity_path,
        status,
        goal,
        currency,
        timezone,
        is_deleted,
        first_seen_date,
        last_seen_date,
        platform_account_id,
        platform_entity_id,
        is_inferred

    from unioned

)

select * from final
