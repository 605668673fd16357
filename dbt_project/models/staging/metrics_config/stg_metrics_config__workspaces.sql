with

source as (

    select * from {{ source('metrics_config', 'workspaces') }}

),

renamed as (

    select
        workspace_slug::text                                as workspace_slug,
        btrim(workspace_name)::text                         as workspace_name,
        nullif(upper(btrim(reporting_currency)), '')::text  as reporting_currency

    from source

)

select * from renamed
