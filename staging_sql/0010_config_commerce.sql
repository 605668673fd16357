-- Shopify connections, pixel site ids and attribution settings, mirrored from the config file.
alter table config.clients add column if not exists pixel_site_id text;

alter table config.connections drop constraint if exists connections_provider_check;
alter table config.connections
    add constraint connections_provider_check check (provider in ('google_ads', 'meta', 'shopify'));

create table if not exists config.attribution_settings (
    workspace_slug            text primary key references config.workspaces (workspace_slug),
    lookback_days             integer        not null,
    position_based_first      numeric(6, 4)  not null,
    position_based_last       numeric(6, 4)  not null,
    time_decay_half_life_days numeric(10, 4) not null,
    journey_inactivity_days   integer        not null,
    pnl_model                 text           not null
);
