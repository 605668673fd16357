-- The condition cleared: for each rule and entity that alert_evaluation (evaluate_alert_rules.sql)
-- evaluated and found NOT triggered (false, not unknown) on its latest closed day, every open
-- event (TRIGGERED or ACKNOWLEDGED) of that rule and entity for that day or an earlier one is
-- RESOLVED by 'auto', with a transition saying so.
with cleared as (
    select workspace_slug, rule_id, entity_id, metric_date, current_value, baseline_value
    from alert_evaluation
    where triggered = false
),

resolved as (
    update ops.alert_events as e
    set status = 'RESOLVED', status_changed_at = %(now)s, status_changed_by = 'auto',
        resolved_at = %(now)s, resolved_by = 'auto',
        status_note = 'condition cleared: not triggered on ' || c.metric_date
                      || ' (value ' || coalesce(round(c.current_value, 4)::text, 'none') || ')'
    from cleared as c
    where e.workspace_slug = c.workspace_slug
      and e.rule_id = c.rule_id
      and e.entity_id = c.entity_id
      and e.metric_date <= c.metric_date
      and e.status in ('TRIGGERED', 'ACKNOWLEDGED')
    returning e.alert_event_id, e.workspace_slug, e.rule_id, e.entity_id, e.metric_date,
              (select s.status from ops.alert_events as s where s.alert_event_id = e.alert_event_id) as from_status,
              c.metric_date as cleared_on, c.current_value
),

transitions as (
    insert into ops.alert_event_transitions (alert_event_id, from_status, to_status, changed_by, note, changed_at)
    select alert_event_id, from_status, 'RESOLVED', 'auto',
           'condition cleared: not triggered on ' || cleared_on
           || ' (value ' || coalesce(round(current_value, 4)::text, 'none') || ')',
           %(now)s
    from resolved
)

select alert_event_id, workspace_slug, rule_id, entity_id, metric_date
from resolved
order by alert_event_id
