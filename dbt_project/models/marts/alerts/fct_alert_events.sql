-- Alert events for BI: one row per rule x entity x day that triggered, with its lifecycle
-- (status now; who acknowledged, resolved or dismissed it when). Row-level security applies
-- like every mart (macros/bi_access.sql): client logins see their clients' events, workspace
-- logins their workspaces' (including workspace-level rules, whose client_slug is null).
-- As fresh as the last dbt build: an event raised or changed after it shows at the next one.
with

events as (

    select * from {{ ref('stg_ops__alert_events') }}

),

final as (

    select
        alert_event_id,
        workspace_slug,
        client_slug,
        rule_id,
        rule_type,
        severity,
        scope_level,
        entity_id,
        entity_name,
        metric_date,
        current_value,
        baseline_value,
        threshold,
        currency,
        triggered_at,
        status,
        status in ('TRIGGERED', 'ACKNOWLEDGED') as is_open,
        status_changed_at,
        status_changed_by,
        status_note,
        acknowledged_at,
        acknowledged_by,
        resolved_at,
        resolved_by,
        dismissed_at,
        dismissed_by
    from events

)

select * from final
