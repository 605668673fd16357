-- Marketing touchpoints from the pixel: one row per touch event (int_pixel__events.is_touchpoint:
-- per session, the first event of each distinct set of click ids / UTMs, or the session's first
-- event when it carries none), of sites mapped to a client.
-- Each touch is resolved to an ad entity where it can be (int_attribution__signal_matches):
--   gclid         via raw_google_ads.click_views to the Google ad           confidence high
--   utm_id        utm_content = Meta / TikTok ad id, or utm_id = Google / Meta / TikTok campaign id  high
--   fbclid        fbclid with utm_campaign = a Meta campaign's name           medium
--   ttclid        ttclid with utm_campaign = a TikTok campaign's name         medium
--   utm_campaign  utm_campaign = a Google / Meta / TikTok campaign's name on the client's accounts  low
-- A gclid match always beats a utm match of the same event. Unresolved touches have a null
-- entity, match_type null and confidence 'none'.
-- channel: macro marketing_channel (the resolved entity's platform, else click ids, UTMs and the
-- referrer): google_ads, meta, tiktok_ads, email, other_paid, other_campaign, organic, direct.

{{ config(indexes=[
    {'columns': ['touchpoint_id'], 'unique': True},
    {'columns': ['visitor_key', 'occurred_at']},
]) }}

with

events as (

    select * from {{ ref('int_pixel__events') }}
    where is_touchpoint
      and workspace_slug is not null

),

matches as (

    select * from {{ ref('int_attribution__signal_matches') }}
    where signal_source = 'pixel_event'

),

final as (

    select
        events.event_id                                                 as touchpoint_id,
        events.event_id,
        events.site_id,
        events.workspace_slug,
        events.client_slug,
        events.visitor_key,
        events.visitor_id,
        events.session_key,
        events.event_type,
        events.occurred_at,
        events.event_local_date                                         as touch_date,
        events.is_session_start,
        events.has_signal,
        {{ marketing_channel('matches.platform', 'events.gclid', 'events.fbclid', 'events.ttclid',
                             'events.utm_source', 'events.utm_medium', 'events.has_utm',
                             'events.referrer_is_external') }}           as channel,
        matches.match_type,
        coalesce(matches.confidence, 'none')                            as confidence,
        matches.match_candidates,
        matches.entity_id,
        matches.platform,
        matches.entity_level,
        matches.account_entity_id,
        matches.campaign_entity_id,
        events.gclid,
        events.fbclid,
        events.ttclid,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.utm_term,
        events.utm_content,
        events.utm_id,
        events.referrer,
        events.referrer_host,
        events.landing_page,
        events.page_url

    from events

    left join matches
        on matches.signal_id = events.event_id

)

select * from final
