-- Alert rules (mirrored from each workspace's alert_rules in the config file), when each was
-- last evaluated, and the events they raised: one per rule, entity and day, never twice.
create table if not exists config.alert_rules (
    workspace_slug              text           not null,
    rule_id                     text           not null,
    rule_type                   text           not null
        check (rule_type in ('spend_threshold', 'conversion_drop', 'cpa_spike', 'roas_drop', 'click_anomaly')),
    severity                    text           not null check (severity in ('info', 'warning', 'critical')),
    scope_level                 text           not null check (scope_level in ('workspace', 'account', 'campaign')),
    account_selector            text,          -- platform account id or entity id; null: every account
    campaign_selector           text,          -- platform campaign id, entity id or name; null: every campaign
    threshold                   numeric(20, 6) not null check (threshold >= 0),
    baseline_days               integer        not null check (baseline_days between 1 and 90),
    evaluation_interval_minutes integer        not null check (evaluation_interval_minutes > 0),
    primary key (workspace_slug, rule_id)
);

create table if not exists ops.alert_rule_evaluations (
    workspace_slug    text        not null,
    rule_id           text        not null,
    last_evaluated_at timestamptz not null,
    primary key (workspace_slug, rule_id)
);

create table if not exists ops.alert_events (
    alert_event_id  bigserial      primary key,
    workspace_slug  text           not null,
    client_slug     text,                     -- null for a workspace-level rule
    rule_id         text           not null,
    rule_type       text           not null,
    severity        text           not null,
    scope_level     text           not null,
    entity_id       text           not null,  -- marts.dim_ad_entities.entity_id, or 'workspace:<slug>'
    entity_name     text           not null,
    metric_date     date           not null,  -- the (account-local) day evaluated
    current_value   numeric(30, 10),
    baseline_value  numeric(30, 10),
    threshold       numeric(20, 6) not null,
    currency        text,                     -- of money values (spend, CPA); null for counts and ratios
    context         jsonb          not null,  -- the figures behind the values, the baseline window
    triggered_at    timestamptz    not null default now(),
    unique (workspace_slug, rule_id, entity_id, metric_date)
);

create index if not exists alert_events_triggered_idx on ops.alert_events (triggered_at desc);
