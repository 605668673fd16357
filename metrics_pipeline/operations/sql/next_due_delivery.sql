-- The next pending notification delivery due at %(now)s (not among %(skip)s: claimed earlier in
-- this call), locked for the sender's transaction (skip locked: another sender takes the next
-- one), with what its message says: the alert event's or the sync failure notice's figures.
select d.delivery_id, d.channel, d.attempts,
       e.alert_event_id, e.workspace_slug, e.rule_id, e.rule_type, e.severity, e.entity_name, e.metric_date,
       e.current_value, e.baseline_value, e.threshold, e.currency,
       n.sync_failure_notice_id, n.source, n.target, n.failure_day, n.partition_key, n.message
from ops.notification_deliveries as d
left join ops.alert_events as e on d.alert_event_id = e.alert_event_id
left join ops.sync_failure_notices as n on d.sync_failure_notice_id = n.sync_failure_notice_id
where d.status = 'pending'
  and d.next_attempt_at <= %(now)s
  and not d.delivery_id = any(%(skip)s::bigint[])
order by d.next_attempt_at, d.delivery_id
limit 1
for update of d skip locked
