with

source as (

    select * from {{ source('ops', 'alert_events') }}

),

renamed as (

    select
        alert_event_id::bigint              as alert_event_id,
        workspace_slug::text                as workspace_slug,
        client_slug::text                   as client_slug,
        rule_id::text                       as rule_id,
        rule_type::text                     as rule_type,
        severity::text                      as severity,
        scope_level::text                   as scope_level,
        entity_id::text                     as entity_id,
        entity_name::text                   as entity_name,
        metric_date::date                   as metric_date,
        current_value::numeric(30, 10)      as current_value,
        baseline_value::numeric(30, 10)     as baseline_value,
        threshold::numeric(20, 6)           as threshold,
        currency::text                      as currency,
        triggered_at::timestamptz           as triggered_at,
        status::text                        as status,
        status_changed_at::timestamptz      as status_changed_at,
        status_changed_by::text             as status_changed_by,
        status_note::text                   as status_note,
        acknowledged_at::timestamptz        as acknowledged_at,
        acknowledged_by::text               as acknowledged_by,
        resolved_at::timestamptz            as resolved_at,
        resolved_by::text                   as resolved_by,
        dismissed_at::timestamptz           as dismissed_at,
        dismissed_by::text                  as dismissed_by

    from source

)

select * from renamed
