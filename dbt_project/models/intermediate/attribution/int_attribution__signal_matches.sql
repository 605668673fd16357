-- The ad entity each signal (int_attribution__signals) resolves to, at most one row per
-- (signal_source, signal_id); signals that match nothing have no row.
--
-- Candidates, best rule first (rank):
--   1 gclid         the gclid's click_view (raw_google_ads.click_views) -> its Google ad (its ad
--                   group when the click names no ad)                          confidence high
--   2 utm_id        utm_content = a Meta or TikTok ad id                       confidence high
--   3 utm_id        utm_id = a Google, Meta or TikTok campaign id              confidence high
--   4 fbclid        fbclid present and utm_campaign = a Meta campaign's name   confidence medium
--     ttclid        ttclid present and utm_campaign = a TikTok campaign's name confidence medium
--   5 utm_campaign  utm_campaign = a Google, Meta or TikTok campaign's name    confidence low
-- TikTok has no click lookup (nothing like Google's click_view for a ttclid): its ads are
-- resolved from the ids TikTok's URL macros write into the landing URL on each click, as
-- advertisers tag them (utm_content=__CID__ the ad id, utm_id=__CAMPAIGN_ID__ the campaign
-- id); a ttclid alone only names the channel (macro marketing_channel).
-- Names compare trimmed and case-insensitively; ids as text. So a gclid found in click_views
-- always beats the utm_* of the same signal; a gclid Google never reported falls through to
-- the utm rules.
-- Tenant guard on every rule: the entity's workspace is the signal's, and its client is the
-- signal's or none (accounts of a connection that names no client, e.g. under an MCC).
-- Ties inside a rule (e.g. one campaign name on Google and on Meta) go to: the platform the
-- signal's own tags point to (macro ad_platform_hint), then an entity of the signal's own client
-- over a client-less one, then an active one, then the most recently seen, then entity_id.
-- match_candidates counts the distinct entities the winning rule found (> 1 = a tie was broken).

with

signals as (

    select * from {{ ref('int_attribution__signals') }}

),

click_views as (

    select * from {{ ref('stg_google_ads__click_views') }}

),

-- the materialised dim_ad_entities rather than the int_*__entities views, so the entity logic is
-- not recomputed for every signal; only Google, Meta and TikTok entities can be clicked
entities as (

    select
        entity_id, platform, level, workspace_slug, client_slug, account_entity_id,
        campaign_entity_id, entity_name, status, last_seen_date, platform_account_id,
        platform_entity_id
    from {{ ref('dim_ad_entities') }}
    where platform in ('google_ads', 'meta', 'tiktok_ads')

),

gclid_candidates as (

    select
        signals.signal_source,
        signals.signal_id,
        1                                   as rule_rank,
        'gclid'::text                       as match_type,
        'high'::text                        as confidence,
        entities.*

    from signals

    join click_views
        on click_views.gclid = signals.gclid

    join entities
        on entities.entity_id = case
            when click_views.ad_id is not null then
                {{ stable_id('google_ads', 'click_views.customer_id', "'ad'",
                             'click_views.ad_group_id', 'click_views.ad_id') }}
            else
                {{ stable_id('google_ads', 'click_views.customer_id', "'ad_group'", 'click_views.ad_group_id') }}
        end

    where signals.gclid is not null

),

ad_id_candidates as (

    select
        signals.signal_source,
        signals.signal_id,
        2,
        'utm_id'::text,
        'high'::text,
        entities.*

    from signals

    join entities
        on  entities.platform in ('meta', 'tiktok_ads')
        and entities.level = 'ad'
        and entities.platform_entity_id = signals.utm_content

    where signals.utm_content is not null

),

campaign_id_candidates as (

    select
        signals.signal_source,
        signals.signal_id,
        3,
        'utm_id'::text,
        'high'::text,
        entities.*

    from signals

    join entities
        on  entities.platform in ('google_ads', 'meta', 'tiktok_ads')
        and entities.level = 'campaign'
        and entities.platform_entity_id = signals.utm_id

    where signals.utm_id is not null

),

fbclid_candidates as (

    select
        signals.signal_source,
        signals.signal_id,
        4,
        'fbclid'::text,
        'medium'::text,
        entities.*

    from signals

    join entities
        on  entities.platform = 'meta'
        and entities.level = 'campaign'
        and lower(entities.entity_name) = lower(signals.utm_campaign)

    where signals.fbclid is not null
      and signals.utm_campaign is not null

),

ttclid_candidates as (

    select
        signals.signal_source,
        signals.signal_id,
        4,
        'ttclid'::text,
        'medium'::text,
        entities.*

    from signals

    join entities
        on  entities.platform = 'tiktok_ads'
        and entities.level = 'campaign'
        and lower(entities.entity_name) = lower(signals.utm_campaign)

    where signals.ttclid is not null
      and signals.utm_campaign is not null

),

campaign_name_candidates as (

    select
        signals.signal_source,
        signals.signal_id,
        5,
        'utm_campaign'::text,
        'low'::text,
        entities.*

    from signals

    join entities
        on  entities.platform in ('google_ads', 'meta', 'tiktok_ads')
        and entities.level = 'campaign'
        and lower(entities.entity_name) = lower(signals.utm_campaign)

    where signals.utm_campaign is not null

),

candidates as (

    select * from gclid_candidates
    union all
    select * from ad_id_candidates
    union all
    select * from campaign_id_candidates
    union all
    select * from fbclid_candidates
    union all
    select * from ttclid_candidates
    union all
    select * from campaign_name_candidates

),

guarded as (

    select
        candidates.*,
        signals.platform_hint,
        signals.client_slug                 as signal_client_slug

    from candidates

    join signals
        on  signals.signal_source = candidates.signal_source
        and signals.signal_id = candidates.signal_id

    where candidates.workspace_slug = signals.workspace_slug
      and (candidates.client_slug is null or candidates.client_slug = signals.client_slug)

),

ranked as (

    select
        guarded.*,
        count(*) over (
            partition by signal_source, signal_id, rule_rank
        )                                   as candidates_in_rule,
        row_number() over (
            partition by signal_source, signal_id
            order by
                rule_rank,
                (platform = platform_hint) desc nulls last,
                (client_slug is not distinct from signal_client_slug) desc,
                (status = 'active') desc,
                last_seen_date desc nulls last,
                entity_id
        )                                   as preference

    from guarded

),

final as (

    select
        signal_source,
        signal_id,
        match_type,
        confidence,
        rule_rank,
        candidates_in_rule                  as match_candidates,
        entity_id,
        platform,
        level                               as entity_level,
        account_entity_id,
        campaign_entity_id

    from ranked
    where preference = 1

)

select * from final
