-- One row per ad entity of every enabled platform (var enabled_ad_platforms), each normalised
-- in its own int_<platform>__entities model to one contract (macros/union_ad_platforms.sql):
--   google_ads     account > campaign > ad_group > ad              (int_google_ads__entities)
--   meta           account > campaign > ad_set > ad                (int_meta__entities)
--   media_partner  client > campaign > strategy > placement > creative (int_media_partner__entities)
--   amazon_ads     account > portfolio > campaign > ad_group > keyword (int_amazon_ads__entities)
--   affiliate      account > campaign (tracking id) > product          (int_affiliate__entities)
-- Ids are stable_id(platform, ...): see each int_ model for the parts.

-- Retention (metrics_pipeline/retention) may move old months of raw metric rows to the exports
-- store. The entities only those months had, and first-seen days inside them, would then vanish
-- from a rebuild; they are carried over from the table the last build left, per platform, for
-- the archived months only (macros/retention.sql). Without archived months this is a plain
-- rebuild from the landed rows, as is a full refresh.
{%- set columns = [
    'entity_id', 'platform', 'level', 'parent_entity_id', 'workspace_slug', 'client_slug',
    'account_entity_id', 'campaign_entity_id', 'entity_name', 'entity_path', 'status', 'goal',
    'currency', 'timezone', 'is_deleted', 'first_seen_date', 'last_seen_date',
    'platform_account_id', 'platform_entity_id', 'is_inferred'
] %}
{%- set previous = previous_build() %}
{%- if previous is not none %}
    {%- set previous_columns = adapter.get_columns_in_relation(previous) | map(attribute='name') | list %}
    {%- if columns | reject('in', previous_columns) | list %}
        {#- a table built by an older release: nothing to carry over from it -#}
        {%- set previous = none %}
    {%- endif %}
{%- endif %}

with

unioned as (

    {{ union_ad_platforms('entities') }}

),

final as (

    select
        entity_id,
        platform,
        level,
        parent_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        entity_name,
        entity_path,
        status,
        goal,
        currency,
        timezone,
        is_deleted,
        first_seen_date,
        last_seen_date,
        platform_account_id,
        platform_entity_id,
        is_inferred

    from unioned

)

{% if previous is none %}

select * from final

{% else %}

,

archived as (

    {{ archived_before_per_platform() }}

),

previous as (

    select previous.*, archived.archived_before
    from {{ previous }} as previous
    inner join archived
        on previous.platform = archived.platform

),

rebuilt as (

    select
        {%- for column in columns if column != 'first_seen_date' %}
        final.{{ column }},
        {%- endfor %}
        case
            when previous.first_seen_date < previous.archived_before
                then least(final.first_seen_date, previous.first_seen_date)
            else final.first_seen_date
        end as first_seen_date
    from final
    left join previous
        on final.entity_id = previous.entity_id

),

kept_from_archived_months as (

    select {{ columns | join(', ') }}
    from previous
    where
        previous.last_seen_date < previous.archived_before
        and not exists (select 1 from final where final.entity_id = previous.entity_id)

)

select {{ columns | join(', ') }} from rebuilt
union all
select {{ columns | join(', ') }} from kept_from_archived_months

{% endif %}
