-- First-party pixel events from pixel/<YYYY-MM-DD>/*.jsonl[.gz]. An event id lands once:
-- duplicates inside a file, across files or across days are dropped. A partition (the
-- folder's day) is replaced in one transaction. IP addresses land only as keyed hashes.
create schema if not exists raw_pixel;

create table if not exists raw_pixel.events (
    event_id         text           primary key,
    site_id          text           not null,   -- maps to config.clients.pixel_site_id
    event_type       text           not null,   -- page_view, add_to_cart, checkout_started, checkout_completed, ...
    occurred_at      timestamptz    not null,
    event_date       date           not null,   -- the partition: the folder's day
    visitor_id       text           not null,   -- anonymous, first-party cookie
    session_id       text,
    page_url         text,
    landing_page     text,
    referrer         text,
    utm_source       text,
    utm_medium       text,
    utm_campaign     text,
    utm_term         text,
    utm_content      text,
    utm_id           text,
    gclid            text,
    fbclid           text,
    ttclid           text,
    checkout_token   text,
    order_value      numeric(20, 6),
    currency         text,
    ip_hash          text,                      -- HMAC-SHA256 of the IP, hex; the IP itself is never stored
    user_agent       text,
    source_file      text           not null,
    source_line      integer        not null,
    ingestion_run_id text           not null
);

create index if not exists events_date_idx on raw_pixel.events (event_date);
create index if not exists events_visitor_idx on raw_pixel.events (site_id, visitor_id, occurred_at);
create index if not exists events_gclid_idx on raw_pixel.events (gclid) where gclid is not null;
