-- Configuration mirrored from the METRICS_CONFIG YAML file so dbt can read it as sources.
-- Rewritten wholesale on every sync (see metrics_pipeline/config_sync.py).
create schema if not exists config;

create table if not exists config.workspaces (
    workspace_slug text primary key,
    workspace_name text not null
);

create table if not exists config.clients (
    client_slug    text primary key,
    workspace_slug text not null references config.workspaces (workspace_slug),
    client_name    text not null,
    currency       text not null,            -- ISO 4217 code of the client's money
    timezone       text not null             -- IANA zone; dates in exports are this zone's local days
);

create table if not exists config.media_partner_cpm_rates (
    client_slug    text    not null references config.clients (client_slug),
    effective_from date    not null,          -- the rate applies from this day until the next rate's day
    cpm            numeric(18, 6) not null check (cpm >= 0),  -- price per 1000 impressions, client currency
    primary key (client_slug, effective_from)
);
