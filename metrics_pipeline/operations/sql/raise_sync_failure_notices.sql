-- A notice per source, target and UTC day of a landing that failed permanently (failure_kind
-- 'permanent': a revoked or expired credential, a missing account, a malformed file) in the
-- two days before %(now)s, once: the earliest such attempt of the day is the one named. Each
-- new notice gets a pending delivery per channel of %(channels)s (notifications.sync_failures).
with failures as (
    select distinct on (source, target, (finished_at at time zone 'UTC')::date)
           source, target, (finished_at at time zone 'UTC')::date as failure_day, ingestion_log_id,
           partition_key, message
    from ops.ingestion_logs
    where status = 'failed'
      and failure_kind = 'permanent'
      and finished_at > %(now)s::timestamptz - interval '2 days'
      and finished_at <= %(now)s::timestamptz
    order by source, target, (finished_at at time zone 'UTC')::date, finished_at, ingestion_log_id
),

inserted as (
    insert into ops.sync_failure_notices (source, target, failure_day, ingestion_log_id, partition_key, message,
                                          raised_at)
    select source, target, failure_day, ingestion_log_id, partition_key, message, %(now)s
    from failures
    on conflict (source, target, failure_day) do nothing
    returning sync_failure_notice_id, source, target, failure_day
),

deliveries as (
    insert into ops.notification_deliveries (sync_failure_notice_id, channel, next_attempt_at)
    select i.sync_failure_notice_id, c.channel, %(now)s
    from inserted as i
    cross join unnest(%(channels)s::text[]) as c (channel)
    on conflict do nothing
)

select sync_failure_notice_id, source, target, failure_day
from inserted
order by sync_failure_notice_id
