-- Data-driven attribution: a first-order Markov chain per workspace over its journeys, and each
-- channel's removal effect. One row per workspace x channel seen on a path.
--
-- Paths (channels in time order; the states are fct_touchpoints.channel, the coarsest grouping
-- every touch has: platform is null for unresolved touches):
--   converting   every conversion's counted touches (int_attribution__conversion_touches: the
--                lookback window and the 'direct' rule of the other models), then (conversion)
--   abandoned    fct_journeys with status 'abandoned': the visitor's touches within
--                lookback_days before its last event, 'direct' only when nothing else is in
--                that window, then (null). In-progress journeys are left out: they may still
--                convert, and counting them as failures would understate every channel.
-- Consecutive touches of the same channel are collapsed into one step: a self-loop does not
-- change any absorption probability, only slows the iteration below.
-- Transitions: (start) -> first channel -> ... -> last channel -> (conversion) | (null);
-- probability = count(from -> to) / count(from -> anything), per workspace.
--
-- P(conversion) is the probability that the chain, started in (start), is absorbed in
-- (conversion). It is computed by pushing the probability mass through the chain for
-- markov_steps (a dbt var, default 200) steps in a recursive CTE ((conversion) keeps its mass, (null)
-- drops it), instead of solving the absorbing chain's linear system: exact for chains without
-- loops once the longest path is walked; with loops (A -> B -> A) off by at most the mass still
-- between channels after the last step, reported as unabsorbed_mass. That mass shrinks
-- geometrically (every channel state leaks into an end state, each path ending in one), so
-- 200 steps leave it negligible for real journeys; raise var markov_steps if it is not.
-- Removal effect of channel c: 1 - P(conversion with c removed) / P(conversion), where removing
-- c sends every transition into c to (null). Null when the workspace has no conversion.

{% set steps = var('markov_steps', 200) %}

with recursive

settings as (

    select * from {{ ref('int_attribution__settings') }}

),

converting_touches as (

    select
        workspace_slug,
        'order:' || order_key                                           as path_id,
        position,
        channel,
        '(conversion)'                                                  as end_state
    from {{ ref('int_attribution__conversion_touches') }}

),

abandoned_windows as (

    select
        journeys.visitor_key,
        journeys.workspace_slug,
        journeys.last_event_at,
        settings.lookback_days
    from {{ ref('fct_journeys') }} as journeys
    join settings
        on settings.workspace_slug = journeys.workspace_slug
    where journeys.status = 'abandoned'

),

abandoned_in_window as (

    select
        abandoned_windows.workspace_slug,
        abandoned_windows.visitor_key,
        touchpoints.touchpoint_id,
        touchpoints.occurred_at,
        touchpoints.channel,
        bool_or(touchpoints.channel <> 'direct') over (partition by abandoned_windows.visitor_key)
                                                                        as has_non_direct_touch
    from abandoned_windows
    join {{ ref('fct_touchpoints') }} as touchpoints
        on  touchpoints.visitor_key = abandoned_windows.visitor_key
        and touchpoints.occurred_at <= abandoned_windows.last_event_at
        and touchpoints.occurred_at
            >= abandoned_windows.last_event_at - abandoned_windows.lookback_days * interval '1 day'

),

abandoned_touches as (

    select
        workspace_slug,
        'visitor:' || visitor_key                                       as path_id,
        row_number() over (
            partition by visitor_key order by occurred_at, touchpoint_id
        )::integer                                                      as position,
        channel,
        '(null)'                                                        as end_state
    from abandoned_in_window
    where channel <> 'direct' or not has_non_direct_touch

),

path_touches as (

    select * from converting_touches
    union all
    select * from abandoned_touches

),

path_steps as (

    -- one row per path step: a touch whose channel differs from the previous touch's
    select
        workspace_slug,
        path_id,
        position,
        channel,
        end_state,
        previous_channel
    from (
        select
            path_touches.*,
            lag(channel) over (partition by path_id order by position) as previous_channel
        from path_touches
    ) as with_neighbours
    where previous_channel is distinct from channel

),

last_steps as (

    -- the path's last step (no later step of another channel) goes to its end state
    select distinct on (path_id)
        workspace_slug,
        channel,
        end_state
    from path_steps
    order by path_id, position desc

),

edges as (

    select
        workspace_slug,
        coalesce(previous_channel, '(start)')                           as from_state,
        channel                                                         as to_state
    from path_steps

    union all

    select
        workspace_slug,
        channel                                                         as from_state,
        end_state                                                       as to_state
    from last_steps

),

transitions as (

    select
        workspace_slug,
        from_state,
        to_state,
        count(*)::float8
        / sum(count(*)) over (partition by workspace_slug, from_state)  as probability
    from edges
    group by workspace_slug, from_state, to_state

    union all

    -- (conversion) absorbs: its mass stays put, so after the last step it holds P(conversion)
    select distinct workspace_slug, '(conversion)', '(conversion)', 1::float8
    from edges

),

channels as (

    select distinct workspace_slug, channel
    from path_steps

),

scenarios as (

    -- '(none)': the full chain; otherwise the channel removed
    select distinct workspace_slug, '(none)'                            as removed_channel
    from channels
    union all
    select workspace_slug, channel
    from channels

),

flow (workspace_slug, removed_channel, step, state, mass) as (

    select workspace_slug, removed_channel, 0, '(start)'::text, 1::float8
    from scenarios

    union all

    -- one step: every state's mass moves along its transitions; the mass heading into the
    -- removed channel or into (null) leaves the chain. A recursive term may not aggregate, so
    -- the per-state sum is a window sum made unique by distinct (the working table holds one
    -- step only).
    select distinct
        flow.workspace_slug,
        flow.removed_channel,
        flow.step + 1,
        transitions.to_state,
        sum(flow.mass * transitions.probability) over (
            partition by flow.workspace_slug, flow.removed_channel, transitions.to_state
        )
    from flow
    join transitions
        on  transitions.workspace_slug = flow.workspace_slug
        and transitions.from_state = flow.state
    where flow.step < {{ steps }}
      and transitions.to_state <> flow.removed_channel
      and transitions.to_state <> '(null)'

),

absorbed as (

    select
        workspace_slug,
        removed_channel,
        coalesce(sum(mass) filter (where state = '(conversion)'), 0)   as conversion_probability,
        coalesce(sum(mass) filter (where state <> '(conversion)'), 0)  as unabsorbed_mass
    from flow
    where step = {{ steps }}
    group by workspace_slug, removed_channel

),

path_counts as (

    select
        workspace_slug,
        channel,
        count(distinct path_id) filter (where end_state = '(conversion)')::integer
                                                                        as converting_paths,
        count(distinct path_id) filter (where end_state = '(null)')::integer
                                                                        as abandoned_paths
    from path_touches
    group by workspace_slug, channel

),

final as (

    select
        channels.workspace_slug,
        channels.channel,
        coalesce(path_counts.converting_paths, 0)                       as converting_paths,
        coalesce(path_counts.abandoned_paths, 0)                        as abandoned_paths,
        coalesce(full_chain.conversion_probability, 0)                  as conversion_probability,
        coalesce(without.conversion_probability, 0)                     as conversion_probability_without,
        greatest(
            1 - coalesce(without.conversion_probability, 0)
                / nullif(full_chain.conversion_probability, 0),
            0
        )                                                               as removal_effect,
        coalesce(full_chain.unabsorbed_mass, 0)                         as unabsorbed_mass,
        {{ steps }}                                                     as steps

    from channels

    left join absorbed as full_chain
        on  full_chain.workspace_slug = channels.workspace_slug
        and full_chain.removed_channel = '(none)'

    left join absorbed as without
        on  without.workspace_slug = channels.workspace_slug
        and without.removed_channel = channels.channel

    left join path_counts
        on  path_counts.workspace_slug = channels.workspace_slug
        and path_counts.channel = channels.channel

)

select * from final
