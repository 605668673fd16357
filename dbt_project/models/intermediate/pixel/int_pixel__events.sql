-- Pixel events with their tenant, visitor, session and whether they are a touchpoint.
-- One row per event.
--
-- Tenant: the client whose config.clients.pixel_site_id is the event's site_id (left join: an
-- unknown site keeps its events with a null client_slug, which no mart uses).
-- visitor_key: stable_id('pixel', site_id, visitor_id), the journey's key.
-- session_key: the pixel's session_id; events without one are sessionised per visitor by a
-- 30-minute gap ('gap:<n>').
-- Signals: has_utm = any utm_* present; has_signal = a click id (gclid, fbclid, ttclid) or a
-- utm_*; signal_fingerprint = all of them joined, identifying "the same arrival".
-- referrer_is_external: the referrer's host differs from the page's (macro url_host).
-- is_touchpoint (what fct_touchpoints keeps), per session:
--   * the first event of each distinct signal_fingerprint among the session's events that carry
--     a signal (a new ad click mid-session is a new touch; the same UTMs repeated on every page
--     view are one touch);
--   * for a session without any signal, its first event (an organic or direct arrival).
--
-- Incremental by visitor (macros/build_window.sql, strategy replace_keys): a windowed build
-- re-sessionises every visitor with an event in the window, or a row here in the window, over
-- all of that visitor's events, and leaves every other visitor's rows as they are. Sessions,
-- session starts and touchpoints are computed per visitor, so this equals a full rebuild.
--
-- Retention (metrics_pipeline/retention) may move whole months of raw_pixel.events to Parquet
-- in the exports store. This table is then where those events live on for the journeys: a build
-- takes the archived months' events from the table its last build left (those not landed
-- again), so a returning visitor is re-sessionised over the same events as before the archive
-- and every attribution mart downstream keeps its history. Without archived months, on the
-- first build and on a full refresh (which rebuilds from landed rows only), it reads the landed
-- rows alone.

{{ config(
    materialized='incremental',
    incremental_strategy='replace_keys',
    unique_key='visitor_key',
    window_column='event_date',
    on_schema_change='fail',
    indexes=[{'columns': ['visitor_key']}, {'columns': ['event_date']}, {'columns': ['event_id'], 'unique': True}],
) }}
{%- set archived = archived_months('raw_pixel.events') if is_incremental() else [] %}
{%- set event_columns = [
    'event_id', 'site_id', 'visitor_id', 'session_id', 'event_type', 'occurred_at', 'event_date',
    'page_url', 'landing_page', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign',
    'utm_term', 'utm_content', 'utm_id', 'gclid', 'fbclid', 'ttclid', 'checkout_token',
    'order_value', 'currency'
] %}

with

{% if build_window() -%}
touched_visitors as (

    select site_id, visitor_id
    from {{ ref('stg_pixel__events') }}
    where {{ in_build_window('event_date') }}

    union

    select site_id, visitor_id
    from {{ this }}
    where {{ in_build_window('event_date') }}

),

{% endif -%}
events as (

    select {{ event_columns | join(', ') }}
    from {{ ref('stg_pixel__events') }}
    {%- if build_window() %}
    -- visitor_id alone first: it reaches the landed rows through their visitor_id index
    where visitor_id in (select visitor_id from touched_visitors)
      and (site_id, visitor_id) in (select site_id, visitor_id from touched_visitors)
    {%- endif %}
    {%- if archived %}

    union all

    -- the archived months' events, as the last build left them (see the header)
    select kept.{{ event_columns | join(', kept.') }}
    from {{ this }} as kept
    where {{ in_months('kept.event_date', archived) }}
      {%- if build_window() %}
      and kept.visitor_id in (select visitor_id from touched_visitors)
      and (kept.site_id, kept.visitor_id) in (select site_id, visitor_id from touched_visitors)
      {%- endif %}
      and not exists (
          select from {{ ref('stg_pixel__events') }} as landed
          where landed.event_id = kept.event_id
      )
    {%- endif %}

),

clients as (

    select * from {{ ref('stg_metrics_config__clients') }}
    where pixel_site_id is not null

),

zones as (

    select name from pg_catalog.pg_timezone_names

),

with_client as (

    select
        events.*,
        clients.workspace_slug,
        clients.client_slug,
        zones.name                                                      as timezone,
        {{ stable_id('pixel', 'events.site_id', 'events.visitor_id') }} as visitor_key,
        (events.utm_source is not null or events.utm_medium is not null
         or events.utm_campaign is not null or events.utm_term is not null
         or events.utm_content is not null or events.utm_id is not null)  as has_utm,
        {{ url_host('coalesce(events.landing_page, events.page_url)') }} as page_host,
        {{ url_host('events.referrer') }}                               as referrer_host

    from events

    left join clients
        on clients.pixel_site_id = events.site_id

    left join zones
        on zones.name = clients.timezone

),

-- sessions for events the pixel sent without a session_id: a new one after 30 minutes of silence
gaps as (

    select
        with_client.*,
        case
            when session_id is not null then null
            when lag(occurred_at) over unsessioned is null
              or occurred_at - lag(occurred_at) over unsessioned > interval '30 minutes'
                then 1
            else 0
        end                                                             as starts_gap_session

    from with_client

    window unsessioned as (
        partition by site_id, visitor_id, (session_id is null)
        order by occurred_at, event_id
    )

),

sessionised as (

    select
        gaps.*,
        coalesce(
            session_id,
            'gap:' || sum(starts_gap_session) over (
                partition by site_id, visitor_id, (session_id is null)
                order by occurred_at, event_id
                rows between unbounded preceding and current row
            )::text
        )                                                               as session_key,
        (gclid is not null or fbclid is not null or ttclid is not null or has_utm)
                                                                        as has_signal,
        referrer_host is not null and (referrer_host is distinct from page_host)
                                                                        as referrer_is_external

    from gaps

),

flagged as (

    select
        sessionised.*,
        case when has_signal then
            concat_ws(chr(31),
                coalesce(gclid, ''), coalesce(fbclid, ''), coalesce(ttclid, ''),
                coalesce(lower(utm_source), ''), coalesce(lower(utm_medium), ''),
                coalesce(lower(utm_campaign), ''), coalesce(lower(utm_term), ''),
                coalesce(lower(utm_content), ''), coalesce(lower(utm_id), ''))
        end                                                             as signal_fingerprint,
        row_number() over (
            partition by site_id, visitor_id, session_key
            order by occurred_at, event_id
        ) = 1                                                           as is_session_start,
        bool_or(has_signal) over (partition by site_id, visitor_id, session_key)
                                                                        as session_has_signal

    from sessionised

),

final as (

    select
        flagged.*,
        (
            (has_signal and row_number() over (
                partition by site_id, visitor_id, session_key, signal_fingerprint
                order by occurred_at, event_id
            ) = 1)
            or (not session_has_signal and is_session_start)
        )                                                               as is_touchpoint

    from flagged

)

select
    event_id,
    site_id,
    workspace_slug,
    client_slug,
    timezone,
    visitor_id,
    visitor_key,
    session_id,
    session_key,
    event_type,
    occurred_at,
    (occurred_at at time zone timezone)::date                           as event_local_date,
    event_date,
    page_url,
    landing_page,
    referrer,
    page_host,
    referrer_host,
    referrer_is_external,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    utm_id,
    gclid,
    fbclid,
    ttclid,
    has_utm,
    has_signal,
    signal_fingerprint,
    checkout_token,
    order_value,
    currency,
    is_session_start,
    is_touchpoint

from final
