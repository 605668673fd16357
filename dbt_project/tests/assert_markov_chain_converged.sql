-- The Markov chain's absorption probabilities come from iterating var markov_steps steps, not
-- from solving the chain exactly (int_attribution__markov_removal_effects): warns when a
-- workspace's chain still has more than 1e-9 of its probability mass between channels after the
-- last step, or a removal effect falls outside [0, 1]. Raise markov_steps when it fires.
{{ config(severity='warn') }}

select workspace_slug, channel, removal_effect, unabsorbed_mass, steps
from {{ ref('int_attribution__markov_removal_effects') }}
where unabsorbed_mass > 1e-9
   or removal_effect < 0
   or removal_effect > 1
