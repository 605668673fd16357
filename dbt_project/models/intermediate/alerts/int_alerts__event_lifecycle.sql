-- One row per alert event that changed status after it triggered: when and by whom it was
-- acknowledged, resolved and dismissed (the latest change to each status).
with

transitions as (

    select * from {{ ref('stg_ops__alert_event_transitions') }}

),

ranked as (

    select
        alert_event_id,
        to_status,
        changed_at,
        changed_by,
        note,
        row_number() over (
            partition by alert_event_id, to_status order by changed_at desc, transition_id desc
        ) as newest_first
    from transitions
    where to_status <> 'TRIGGERED'

),

final as (

    select
        alert_event_id,
        max(changed_at) filter (where to_status = 'ACKNOWLEDGED')  as acknowledged_at,
        max(changed_by) filter (where to_status = 'ACKNOWLEDGED')  as acknowledged_by,
        max(changed_at) filter (where to_status = 'RESOLVED')      as resolved_at,
        max(changed_by) filter (where to_status = 'RESOLVED')      as resolved_by,
        max(note) filter (where to_status = 'RESOLVED')            as resolution_note,
        max(changed_at) filter (where to_status = 'DISMISSED')     as dismissed_at,
        max(changed_by) filter (where to_status = 'DISMISSED')     as dismissed_by
    from ranked
    where newest_first = 1
    group by alert_event_id

)

select * from final
