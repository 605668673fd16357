-- One row per ad entity of every enabled platform (var enabled_ad_platforms), each normalised
-- in its own int_<platform>__entities model to one contract (macros/union_ad_platforms.sql):
--   google_ads     account > campaign > ad_group > ad              (int_google_ads__entities)
--   meta           account > campaign > ad_set > ad                (int_meta__entities)
--   media_partner  client > campaign > strategy > placement > creative (int_media_partner__entities)
--   amazon_ads     account > portfolio > campaign > ad_group > keyword (int_amazon_ads__entities)
--   affiliate      account > campaign (tracking id) > product          (int_affiliate__entities)
-- Ids are stable_id(platform, ...): see each int_ model for the parts.

with

unioned as (

    {{ union_ad_platforms('entities') }}

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
