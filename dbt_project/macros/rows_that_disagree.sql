{#-
    The final select of a reconciliation test: the rows of two CTEs, matched on `keys`, where a
    measure differs, or a key is on one side only. Each measure is shown from both sides,
    prefixed with the CTE's name (landed_spend, modeled_spend); `carried` columns come from
    `expected` as they are; `also_fails_when` adds conditions of the test's own.
-#}
{% macro rows_that_disagree(expected, actual, keys, measures, carried=[], also_fails_when=[]) -%}
select
    {%- for key in keys %}
    coalesce({{ expected }}.{{ key }}, {{ actual }}.{{ key }}) as {{ key }},
    {%- endfor %}
    {%- for column in carried %}
    {{ expected }}.{{ column }},
    {%- endfor %}
    {%- for measure in measures %}
    {{ expected }}.{{ measure }} as {{ expected }}_{{ measure }},
    {{ actual }}.{{ measure }} as {{ actual }}_{{ measure }}{{ "," if not loop.last }}
    {%- endfor %}

from {{ expected }}

full outer join {{ actual }}
    on
    {%- for key in keys %}
        {{ "and " if not loop.first }}{{ actual }}.{{ key }} = {{ expected }}.{{ key }}
    {%- endfor %}

where {{ expected }}.{{ keys[0] }} is null
    or {{ actual }}.{{ keys[0] }} is null
    {%- for measure in measures %}
    or {{ expected }}.{{ measure }} is distinct from {{ actual }}.{{ measure }}
    {%- endfor %}
    {%- for condition in also_fails_when %}
    or {{ condition }}
    {%- endfor %}
{%- endmacro %}
