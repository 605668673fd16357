-- Affiliate network (ClickBank-style) events and product catalogue snapshots, from
-- affiliate/<YYYY-MM-DD>/*.csv under the exports root; and which client a tracking id belongs to.
--
-- A partition (the folder's day) is replaced in one transaction: its events and its catalogue
-- rows are deleted, then the day's files are landed again. An event id lands once: the
-- events are inserted with `on conflict (event_id) do nothing`, so an id repeated later in a
-- file, in a later file of the day (a re-sent file under another name) or already landed by
-- another day is dropped and counted, never double-counted. The id belongs to the day that
-- landed it first; re-landing that day keeps it there.

create table if not exists config.affiliate_tracking_prefixes (
    tracking_id_prefix text primary key,        -- an event whose tracking id starts with it belongs to client_slug
    client_slug        text not null references config.clients (client_slug),
    currency           text not null            -- ISO 4217 code of the affiliate network's money for the client
);

create schema if not exists raw_affiliate;

create table if not exists raw_affiliate.events (
    event_id                text           primary key,
    event_type              text           not null check (event_type in ('click', 'conversion', 'refund', 'rebill')),
    occurred_at             timestamptz    not null,
    event_date              date           not null,   -- the partition: the folder's day
    tracking_id             text           not null,   -- the campaign tracking id (ClickBank's tid)
    product_id              text           not null,
    -- Signed: refunds are negative whatever the file did (negative amount, or a positive amount
    -- with a refund type or flag); clicks 0. The network's currency (config.affiliate_tracking_prefixes).
    revenue                 numeric(20, 6) not null,
    revenue_as_exported     text,                      -- the cell as written, e.g. '$1,234.50', '-12.00', blank
    event_type_as_exported  text           not null,   -- the type cell as written, e.g. 'Conversion'
    refund_flag_as_exported text,                      -- the refund flag cell as written; null without such a column
    source                  text,                      -- traffic source, as exported
    extra_columns           jsonb          not null default '{}'::jsonb,  -- columns the loader does not know, as text
    source_file             text           not null,
    source_row_number       integer        not null,   -- line in the file, header = 1
    ingestion_run_id        text           not null,
    loaded_at               timestamptz    not null default now(),
    check (event_type <> 'refund' or revenue <= 0),
    check (event_type = 'refund' or revenue >= 0)
);

create index if not exists events_date_idx on raw_affiliate.events (event_date);
create index if not exists events_tracking_idx on raw_affiliate.events (tracking_id, occurred_at);

create table if not exists raw_affiliate.catalogue_snapshots (
    snapshot_date       date           not null,   -- the folder's day
    product_id          text           not null,
    title               text,
    vendor              text,
    category            text,
    commission_rate     numeric(9, 6),             -- a fraction: '12.5%' lands as 0.125
    commission_amount   numeric(20, 6),            -- per sale, the network's currency
    gravity             numeric(14, 4),
    refund_rate         numeric(9, 6),             -- a fraction, like commission_rate
    is_rebill           boolean,                   -- null when the cell was blank
    extra_columns       jsonb          not null default '{}'::jsonb,
    source_file         text           not null,
    source_row_number   integer        not null,
    ingestion_run_id    text           not null,
    loaded_at           timestamptz    not null default now(),
    primary key (snapshot_date, product_id)
);
