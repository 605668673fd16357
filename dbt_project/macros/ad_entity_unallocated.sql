{#-
    The '(unallocated)' entity of one level below a campaign, in the unified entity shape
    (ad_entity_columns): what the platform bills for a campaign beyond what its ads report
    (Google's Performance Max has no ad groups or ads at all) hangs here, so the hierarchy
    sums to the bill. Convention shared by every ad platform:
      - name '(unallocated)', is_inferred true, platform_entity_id null;
      - one per campaign and level, id stable_id(platform, account, '<level>', campaign id,
        'unallocated'), so it is the same on every run;
      - status, goal, tenant, currency and timezone are the parent's.
    nodes (aliased n): one row per campaign with unallocated numbers, carrying account_id,
    campaign_key and first_seen_date / last_seen_date. parent: the rows of the level above,
    joined on account_id and campaign_key (campaign rows, or the '(unallocated)' rows of the
    level between). The account and campaign columns are carried along for the level below.
-#}
{% macro ad_entity_unallocated_rows(platform, level, nodes, parent, account_id, campaign_key) -%}
    {%- set entity_id = stable_id(
        platform, 'n.' ~ account_id, "'" ~ level ~ "'", 'n.' ~ campaign_key, "'unallocated'"
    ) -%}
    select
        {{ entity_id }} as entity_id,
        '{{ level }}'                                                   as level,
        parent.entity_id                                                as parent_entity_id,
        parent.workspace_slug,
        parent.client_slug,
        parent.account_entity_id,
        parent.campaign_entity_id,
        '(unallocated)'::text                                           as entity_name,
        concat_ws(' > ', parent.entity_path, '(unallocated)')           as entity_path,
        parent.status,
        parent.goal,
        parent.currency,
        parent.timezone,
        n.first_seen_date,
        n.last_seen_date,
        n.{{ account_id }}::text                                        as platform_account_id,
        null::text                                                      as platform_entity_id,
        true                                                            as is_inferred,
        n.{{ account_id }},
        n.{{ campaign_key }}
    from {{ nodes }} as n
    join {{ parent }} as parent
        on  parent.{{ account_id }} = n.{{ account_id }}
        and parent.{{ campaign_key }} = n.{{ campaign_key }}
{%- endmacro %}
