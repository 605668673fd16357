with

source as (

    select * from {{ source('ops', 'alert_event_transitions') }}

),

renamed as (

    select
        transition_id::bigint       as transition_id,
        alert_event_id::bigint      as alert_event_id,
        from_status::text           as from_status,
        to_status::text             as to_status,
        changed_by::text            as changed_by,
        note::text                  as note,
        changed_at::timestamptz     as changed_at

    from source

)

select * from renamed
