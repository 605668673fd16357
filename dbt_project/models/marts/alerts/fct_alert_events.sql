-- Alert events for BI: one row per rule x entity x day that triggered, with its lifecycle
-- (status now; who acknowledged, resolved or dismissed it when). Row-level security applies
-- like every mart (macros/bi_access.sql): client logins see their clients' events, workspace
-- logins their workspaces' (including workspace-level rules, whose client_slug is null).
-- As fresh as the last dbt build: an event raised or changed after it shows at the next one.
with

events as (

    select * from {{ ref('stg_ops__alert_events') }}

),

lifecycle as (

    select * from {{ ref('int_alerts__event_lifecycle') }}

),

final as (

    select
        e.alert_event_id,
        e.workspace_slug,
        e.client_slug,
        e.rule_id,
        e.rule_type,
        e.severity,
        e.scope_level,
        e.entity_id,
        e.entity_name,
        e.metric_date,
        e.current_value,
        e.baseline_value,
        e.threshold,
        e.currency,
        e.triggered_at,
        e.status,
        e.status in ('TRIGGERED', 'ACKNOWLEDGED')  as is_open,
        e.status_changed_at,
        e.status_changed_by,
        l.acknowledged_at,
        l.acknowledged_by,
        l.resolved_at,
        l.resolved_by,
        l.resolution_note,
        l.dismissed_at,
        l.dismissed_by
    from events as e
    left join lifecycle as l on e.alert_event_id = l.alert_event_id

)

select * from final
