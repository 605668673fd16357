-- Alert lifecycle and notifications.
--
-- ops.alert_events gains its current status (TRIGGERED, ACKNOWLEDGED, RESOLVED, DISMISSED) and
-- who set it when; ops.alert_event_transitions keeps every change (the evaluator's TRIGGERED,
-- a person's ACKNOWLEDGED / RESOLVED / DISMISSED, the evaluator's automatic RESOLVED by 'auto').
-- config.alert_rules gains the channels a rule notifies; ops.sync_failure_notices holds one
-- notice per permanently failed landing (source, target, UTC day); ops.notification_deliveries
-- one row per notice or alert event and channel: sent at most once, retried with backoff.
alter table ops.alert_events add column if not exists status text not null default 'TRIGGERED';
alter table ops.alert_events drop constraint if exists alert_events_status_check;
alter table ops.alert_events add constraint alert_events_status_check
    check (status in ('TRIGGERED', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED'));
alter table ops.alert_events add column if not exists status_changed_at timestamptz;
alter table ops.alert_events add column if not exists status_changed_by text;
alter table ops.alert_events add column if not exists status_note text;  -- the latest change's note
-- who moved it to each status, when (the latest time; the full history is in the transitions)
alter table ops.alert_events add column if not exists acknowledged_at timestamptz;
alter table ops.alert_events add column if not exists acknowledged_by text;
alter table ops.alert_events add column if not exists resolved_at timestamptz;
alter table ops.alert_events add column if not exists resolved_by text;  -- a person, or 'auto'
alter table ops.alert_events add column if not exists dismissed_at timestamptz;
alter table ops.alert_events add column if not exists dismissed_by text;
update ops.alert_events
set status_changed_at = triggered_at, status_changed_by = 'evaluator'
where status_changed_at is null;

create index if not exists alert_events_open_idx
    on ops.alert_events (workspace_slug, rule_id, entity_id)
    where status in ('TRIGGERED', 'ACKNOWLEDGED');

create table if not exists ops.alert_event_transitions (
    transition_id  bigserial   primary key,
    alert_event_id bigint      not null references ops.alert_events (alert_event_id) on delete cascade,
    from_status    text,       -- null for the event's first status
    to_status      text        not null
        check (to_status in ('TRIGGERED', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED')),
    changed_by     text        not null,  -- a person's name, 'evaluator' or 'auto'
    note           text,
    changed_at     timestamptz not null default clock_timestamp()
);

create index if not exists alert_event_transitions_event_idx
    on ops.alert_event_transitions (alert_event_id, changed_at);

insert into ops.alert_event_transitions (alert_event_id, from_status, to_status, changed_by, changed_at)
select e.alert_event_id, null, 'TRIGGERED', 'evaluator', e.triggered_at
from ops.alert_events as e
where not exists (select 1 from ops.alert_event_transitions as t where t.alert_event_id = e.alert_event_id);

-- the names of the notification channels (config `notifications.channels`), comma-separated
alter table config.alert_rules add column if not exists notify_channels text;

create table if not exists ops.sync_failure_notices (
    sync_failure_notice_id bigserial   primary key,
    source                 text        not null,
    target                 text        not null,  -- the account / file the landing was about
    failure_day            date        not null,  -- the UTC day the failure was recorded
    -- the ops.ingestion_logs row it was raised for; not a foreign key: a notice records what was
    -- sent, and must not stop the logs from being pruned or truncated
    ingestion_log_id       bigint      not null,
    partition_key          text        not null,
    message                text,                  -- ops.ingestion_logs.message (already redacted)
    raised_at              timestamptz not null default clock_timestamp(),
    unique (source, target, failure_day)
);

create table if not exists ops.notification_deliveries (
    delivery_id            bigserial   primary key,
    alert_event_id         bigint      references ops.alert_events (alert_event_id) on delete cascade,
    sync_failure_notice_id bigint      references ops.sync_failure_notices (sync_failure_notice_id)
        on delete cascade,
    channel                text        not null,  -- a name of `notifications.channels`
    status                 text        not null default 'pending'
        check (status in ('pending', 'sent', 'failed')),
    attempts               integer     not null default 0,
    next_attempt_at        timestamptz not null default clock_timestamp(),
    last_error             text,                  -- redacted: never a webhook URL or a password
    created_at             timestamptz not null default clock_timestamp(),
    sent_at                timestamptz,
    check ((alert_event_id is null) <> (sync_failure_notice_id is null)),
    unique (alert_event_id, channel),
    unique (sync_failure_notice_id, channel)
);

create index if not exists notification_deliveries_due_idx
    on ops.notification_deliveries (next_attempt_at)
    where status = 'pending';
