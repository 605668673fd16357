-- Record what triggered in alert_evaluation (evaluate_alert_rules.sql) as ops.alert_events; an
-- event for the same rule, entity and day already there is left as it was (on conflict do
-- nothing). Each new event gets its first transition (TRIGGERED by 'evaluator') and one pending
-- delivery per channel its rule notifies.
with inserted as (
    insert into ops.alert_events (
        workspace_slug, client_slug, rule_id, rule_type, severity, scope_level, entity_id, entity_name,
        metric_date, current_value, baseline_value, threshold, currency, context, triggered_at,
        status, status_changed_at, status_changed_by
    )
    select workspace_slug, client_slug, rule_id, rule_type, severity, scope_level, entity_id, entity_name,
           metric_date, current_value, baseline_value, threshold,
           case when rule_type in ('spend_threshold', 'cpa_spike') then currency end,
           jsonb_build_object(
               'day', jsonb_build_object('spend', spend, 'clicks', clicks, 'conversions', conversions,
                                         'platform_revenue', platform_revenue),
               'baseline_window', jsonb_build_object(
                   'from', metric_date - baseline_days, 'to', metric_date - 1, 'days_with_rows', days_with_rows,
                   'spend', base_spend, 'conversions', base_conversions, 'platform_revenue', base_revenue,
                   'mean_clicks', mean_clicks, 'stddev_clicks', stddev_clicks),
               'currency', currency
           ),
           %(now)s, 'TRIGGERED', %(now)s, 'evaluator'
    from alert_evaluation
    where triggered
    order by workspace_slug, rule_id, entity_id
    on conflict (workspace_slug, rule_id, entity_id, metric_date) do nothing
    returning alert_event_id, workspace_slug, rule_id, entity_id, metric_date, current_value, baseline_value
),

transitions as (
    insert into ops.alert_event_transitions (alert_event_id, from_status, to_status, changed_by, changed_at)
    select alert_event_id, null, 'TRIGGERED', 'evaluator', %(now)s
    from inserted
),

deliveries as (
    insert into ops.notification_deliveries (alert_event_id, channel, next_attempt_at)
    select i.alert_event_id, trim(c.channel), %(now)s
    from inserted as i
    join config.alert_rules as r using (workspace_slug, rule_id)
    cross join lateral unnest(string_to_array(r.notify_channels, ',')) as c (channel)
    where trim(c.channel) <> ''
    on conflict do nothing
)

select workspace_slug, rule_id, entity_id, metric_date, current_value, baseline_value
from inserted
order by workspace_slug, rule_id, entity_id
