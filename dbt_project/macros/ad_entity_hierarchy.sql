{#-
    Shared pieces of the int_<platform>__entities models, which all end in the unified shape of
    dim_ad_entities. Google Ads and Meta build the same hierarchy (nodes from the state tables
    plus the entities seen in metrics, then account > campaign > ... rows); each model keeps
    its CTEs and passes its ids, statuses and goals as arguments, so the shape is written once.
    Affiliate, Amazon Ads and the media partner share only ad_entity_final.
-#}


{#-
    The unified columns of one entity row, in order: what each level's CTE selects and the
    union of the levels reads.
-#}
{% macro ad_entity_columns() -%}
    entity_id, level, parent_entity_id, workspace_slug, client_slug, account_entity_id,
    campaign_entity_id, entity_name, entity_path, status, goal, currency, timezone,
    first_seen_date, last_seen_date, platform_account_id, platform_entity_id, is_inferred
{%- endmacro %}


{#- union all of the level CTEs named in relations, top level first. -#}
{% macro ad_entity_union(relations) -%}
    {%- for relation in relations %}
    {% if not loop.first %}union all

    {% endif -%}
    select
        {{ ad_entity_columns() }}
    from {{ relation }}
    {% endfor -%}
{%- endmacro %}


{#-
    The entities of one level seen in the level below (or, for the lowest level, in the
    metrics: first='metric_date', last='metric_date'), one row per keys with the parents'
    ids (parents) taken from the rows, so an entity missing from the state tables still
    has its ancestors.
-#}
{% macro ad_entity_seen(children, keys, parents=[], first='first_seen_date', last='last_seen_date') -%}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {%- for parent in parents %}
        max({{ parent }})                   as {{ parent }},
        {%- endfor %}
        min({{ first }})                    as first_seen_date,
        max({{ last }})                     as last_seen_date
    from {{ children }}
    group by {{ keys | join(', ') }}
{%- endmacro %}


{#-
    The nodes of one level: the state table (aliased state) full outer joined to what
    ad_entity_seen saw of it (aliased seen) on keys. An entity only seen is_inferred.
    keys end with the entity's own id; parents are the ancestors' ids (from the state row,
    else the seen one); state_columns are select items over state (names, statuses, goal).
-#}
{% macro ad_entity_nodes(state, seen, keys, parents=[], state_columns=[]) -%}
    select
        {%- for column in keys + parents %}
        coalesce(state.{{ column }}, seen.{{ column }})     as {{ column }},
        {%- endfor %}
        {%- for column in state_columns %}
        {{ column }},
        {%- endfor %}
        seen.first_seen_date,
        seen.last_seen_date,
        state.{{ keys[-1] }} is null                        as is_inferred
    from {{ state }} as state
    full outer join {{ seen }} as seen
        on  seen.{{ keys[0] }} = state.{{ keys[0] }}
        {%- for key in keys[1:] %}
        and seen.{{ key }} = state.{{ key }}
        {%- endfor %}
{%- endmacro %}


{#-
    The account rows (Google Ads, Meta) from the account nodes: the top of the hierarchy, its
    own account and no campaign; status as the nodes carry it (else 'active'), goal 'other'.
    name_fallback: the entity name when the account has none (the id as the platform shows it).
-#}
{% macro ad_entity_account_rows(platform, nodes, account_id, name_fallback) -%}
    select
        {{ stable_id(platform, account_id) }} as entity_id,
        'account'                                                       as level,
        null::text                                                      as parent_entity_id,
        workspace_slug,
        client_slug,
        {{ stable_id(platform, account_id) }} as account_entity_id,
        null::text                                                      as campaign_entity_id,
        coalesce(account_name, {{ name_fallback }})                     as entity_name,
        coalesce(account_name, {{ name_fallback }})                     as entity_path,
        coalesce(status, 'active')                                      as status,
        'other'                                                         as goal,
        currency,
        timezone,
        first_seen_date,
        last_seen_date,
        {{ account_id }}::text                                          as platform_account_id,
        {{ account_id }}::text                                          as platform_entity_id,
        is_inferred,
        {{ account_id }}
    from {{ nodes }}
{%- endmacro %}


{#-
    Rows of one level below the account (Google Ads and Meta), from the node CTE `nodes`
    (aliased n) joined to the rows of the level above (`parent`, aliased parent).

    account_id: the platform's account column; native_id: the entity's own id column.
    id_parts:   the native id expression(s) after the level tag in stable_id (default
                n.<native_id>; a Google ad is an ad_group_ad: n.ad_group_id, n.ad_id).
    parent_key: the column joining to the parent's rows besides account_id (none for
                campaigns, whose parent is the account).
    status:     the platform's status expression over n; an inferred entity is 'active'.
    goal:       default the parent's goal (ad groups and ads inherit it).
    The account and native id columns are carried along for the level below to join on.
-#}
{% macro ad_entity_level_rows(
    platform, level, nodes, parent, account_id, native_id, name_column, status,
    goal='parent.goal', id_parts=none, parent_key=none
) -%}
    {%- set id_parts = id_parts or ['n.' ~ native_id] -%}
    {%- set entity_id = stable_id(platform, 'n.' ~ account_id, "'" ~ level ~ "'", *id_parts) -%}
    {%- set entity_name = 'coalesce(n.' ~ name_column ~ ', n.' ~ native_id ~ '::text)' -%}
    select
        {{ entity_id }} as entity_id,
        '{{ level }}'                                                   as level,
        parent.entity_id                                                as parent_entity_id,
        parent.workspace_slug,
        parent.client_slug,
        parent.account_entity_id,
        {% if level == 'campaign' -%}
        {{ entity_id }} as campaign_entity_id,
        {%- else -%}
        parent.campaign_entity_id,
        {%- endif %}
        {{ entity_name }}                                               as entity_name,
        concat_ws(' > ', parent.entity_path, {{ entity_name }})         as entity_path,
        case when n.is_inferred then 'active' else {{ status }} end     as status,
        {{ goal }}                                                      as goal,
        parent.currency,
        parent.timezone,
        n.first_seen_date,
        n.last_seen_date,
        n.{{ account_id }}::text                                        as platform_account_id,
        n.{{ native_id }}::text                                         as platform_entity_id,
        n.is_inferred,
        n.{{ account_id }},
        n.{{ native_id }}
    from {{ nodes }} as n
    join {{ parent }} as parent
        on  parent.{{ account_id }} = n.{{ account_id }}
        {%- if parent_key %}
        and parent.{{ parent_key }} = n.{{ parent_key }}
        {%- endif %}
{%- endmacro %}


{#-
    The contracted select list of int_<platform>__entities over the unioned rows `relation`.
    Platforms whose source has no status, goal, deletion or platform ids pass constants
    (e.g. status="'active'", platform_entity_id='null'); the casts keep the contract's types.
-#}
{% macro ad_entity_final(
    platform, relation, status='status', goal='goal', is_deleted="status = 'removed'",
    platform_account_id='platform_account_id', platform_entity_id='platform_entity_id',
    is_inferred='is_inferred'
) -%}
    select
        entity_id::text                         as entity_id,
        '{{ platform }}'::text                  as platform,
        level::text                             as level,
        parent_entity_id::text                  as parent_entity_id,
        workspace_slug::text                    as workspace_slug,
        client_slug::text                       as client_slug,
        account_entity_id::text                 as account_entity_id,
        campaign_entity_id::text                as campaign_entity_id,
        entity_name::text                       as entity_name,
        entity_path::text                       as entity_path,
        ({{ status }})::text                    as status,
        ({{ goal }})::text                      as goal,
        currency::text                          as currency,
        timezone::text                          as timezone,
        ({{ is_deleted }})::boolean             as is_deleted,
        first_seen_date::date                   as first_seen_date,
        last_seen_date::date                    as last_seen_date,
        ({{ platform_account_id }})::text       as platform_account_id,
        ({{ platform_entity_id }})::text        as platform_entity_id,
        ({{ is_inferred }})::boolean            as is_inferred
    from {{ relation }}
{%- endmacro %}
