-- An event id lands once: one already landed (earlier in this file, by an earlier file of
-- the day, or by another day) is dropped. The caller counts what was dropped.
-- One exception keeps a re-landed day the same as a day landed from nothing: an id held by a
-- later file of the same day (key order, compared bytewise like Python sorts the keys) moves
-- to this file; that later file is re-landed after it and then drops the id.
insert into raw_pixel.events as landed (
    event_id, site_id, event_type, occurred_at, event_date, visitor_id, session_id,
    page_url, landing_page, referrer,
    utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id,
    gclid, fbclid, ttclid, checkout_token, order_value, currency, ip_hash, user_agent,
    source_file, source_line, ingestion_run_id
)
select
    event_id, site_id, event_type, occurred_at, event_date, visitor_id, session_id,
    page_url, landing_page, referrer,
    utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id,
    gclid, fbclid, ttclid, checkout_token, order_value, currency, ip_hash, user_agent,
    source_file, source_line, ingestion_run_id
from pg_temp.pixel_events_batch
on conflict (event_id) do update
set site_id = excluded.site_id,
    event_type = excluded.event_type,
    occurred_at = excluded.occurred_at,
    visitor_id = excluded.visitor_id,
    session_id = excluded.session_id,
    page_url = excluded.page_url,
    landing_page = excluded.landing_page,
    referrer = excluded.referrer,
    utm_source = excluded.utm_source,
    utm_medium = excluded.utm_medium,
    utm_campaign = excluded.utm_campaign,
    utm_term = excluded.utm_term,
    utm_content = excluded.utm_content,
    utm_id = excluded.utm_id,
    gclid = excluded.gclid,
    fbclid = excluded.fbclid,
    ttclid = excluded.ttclid,
    checkout_token = excluded.checkout_token,
    order_value = excluded.order_value,
    currency = excluded.currency,
    ip_hash = excluded.ip_hash,
    user_agent = excluded.user_agent,
    source_file = excluded.source_file,
    source_line = excluded.source_line,
    ingestion_run_id = excluded.ingestion_run_id
where landed.event_date = excluded.event_date
  and landed.source_file collate "C" > excluded.source_file collate "C"
