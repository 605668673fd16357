-- An event id lands once: one already landed (earlier in this file, by an earlier file of
-- the day, or by another day) is dropped. The caller counts what was dropped.
insert into raw_pixel.events (
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
on conflict (event_id) do nothing
