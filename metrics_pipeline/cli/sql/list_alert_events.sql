-- Alert events for `metrics-pipeline alerts list`, newest first: %(statuses)s, %(workspace)s
-- (null: every workspace), with the delivery tally of their notifications.
select e.alert_event_id, e.status, e.severity, e.workspace_slug, e.rule_id, e.entity_name, e.metric_date,
       round(e.current_value, 4), round(e.baseline_value, 4), e.threshold, e.currency,
       e.status_changed_by, e.status_changed_at,
       (select string_agg(d.channel || ':' || d.status, ' ' order by d.channel)
        from ops.notification_deliveries as d
        where d.alert_event_id = e.alert_event_id) as deliveries
from ops.alert_events as e
where e.status = any(%(statuses)s::text[])
  and (%(workspace)s::text is null or e.workspace_slug = %(workspace)s::text)
order by e.triggered_at desc, e.alert_event_id desc
limit %(limit)s
