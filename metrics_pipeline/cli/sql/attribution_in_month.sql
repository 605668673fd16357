-- What the attribution marts say about a month of pixel touches: the touchpoints, the journeys
-- whose first event is in it, and per model the links to its touches with their revenue. The
-- demo's retention step reads it before the pixel's month is archived and after the nightly
-- build that follows. The markov model is left out: its removal effects are computed over all of
-- the workspace's journeys, so the new journeys a nightly run brings move old orders' weights by
-- design, archive or not.
select
    'touchpoints' as measure,
    '' as model,
    count(*) as row_count,
    null::numeric as attributed_revenue
from marts.fct_touchpoints
where touch_date >= %(first)s and touch_date < %(after)s

union all

select
    'journeys started' as measure,
    '' as model,
    count(*) as row_count,
    null::numeric as attributed_revenue
from marts.fct_journeys
where first_event_at >= %(first)s and first_event_at < %(after)s

union all

(
    select
        'links' as measure,
        model,
        count(*) as row_count,
        sum(attributed_revenue) as attributed_revenue
    from marts.fct_attribution_links
    where
        touch_occurred_at >= %(first)s and touch_occurred_at < %(after)s
        and model <> 'markov'
    group by model
    order by model
)
