-- The most recent alerts, newest first.
select triggered_at, severity, workspace_slug, rule_id, entity_name, metric_date,
       round(current_value, 4), round(baseline_value, 4), threshold, currency, status
from ops.alert_events
order by triggered_at desc, alert_event_id desc
limit %(limit)s
