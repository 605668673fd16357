-- Ad-platform connections and FX rates, mirrored from the configuration file.
alter table config.workspaces add column if not exists reporting_currency text;

create table if not exists config.connections (
    connection_id      text primary key,
    workspace_slug     text not null references config.workspaces (workspace_slug),
    client_slug        text references config.clients (client_slug),
    provider           text not null check (provider in ('google_ads', 'meta')),
    account_ids        text[] not null,          -- explicit accounts (Google customers without dashes, Meta without act_)
    manager_customer_id text,                    -- Google: the MCC whose clients are discovered
    status             text not null check (status in ('active', 'paused')),
    sync_frequency     text not null,
    lookback_days      integer not null          -- conversion window (Google) / restatement window (Meta)
);

create table if not exists config.fx_rates (
    from_currency  text           not null,
    to_currency    text           not null,
    effective_from date           not null,
    rate           numeric(20, 10) not null check (rate > 0),  -- 1 from_currency = rate to_currency
    primary key (from_currency, to_currency, effective_from)
);

-- What the pipeline last learned about each account it syncs (not configuration: state).
create table if not exists ops.connection_states (
    connection_id  text        not null,
    account_id     text        not null,
    status         text        not null check (status in ('ok', 'auth_error', 'error')),
    last_error     text,
    last_success_at timestamptz,
    updated_at     timestamptz not null default now(),
    primary key (connection_id, account_id)
);
