-- Closure of the entity hierarchy: one row per entity and each of its ancestors, itself
-- included (depth 0 = itself, 1 = parent, ...). Rolling a leaf metric up to every level is a
-- join to this table and a group by ancestor_entity_id; BI can use it for "everything under X".

with recursive

entities as (

    select entity_id, parent_entity_id, level, platform, workspace_slug, client_slug
    from {{ ref('dim_ad_entities') }}

),

closure (entity_id, ancestor_entity_id, depth) as (

    select entity_id, entity_id, 0
    from entities

    union all

    select closure.entity_id, entities.parent_entity_id, closure.depth + 1
    from closure
    join entities
        on entities.entity_id = closure.ancestor_entity_id
    where entities.parent_entity_id is not null
      -- a cycle would be a bug upstream; stop well past the deepest hierarchy (5 levels)
      and closure.depth < 10

),

final as (

    select
        closure.entity_id::text             as entity_id,
        closure.ancestor_entity_id::text    as ancestor_entity_id,
        closure.depth::integer              as depth,
        -- whose row it is: the BI row-level security policies filter on these
        descendant.workspace_slug,
        descendant.client_slug,
        descendant.platform,
        descendant.level                    as entity_level,
        ancestor.level                      as ancestor_level

    from closure

    join entities as descendant
        on descendant.entity_id = closure.entity_id

    left join entities as ancestor
        on ancestor.entity_id = closure.ancestor_entity_id

)

select * from final
