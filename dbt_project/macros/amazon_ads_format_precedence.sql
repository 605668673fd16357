{#-
    Amazon Ads export formats in precedence order (var amazon_ads_format_precedence, best first).

        {{ amazon_ads_format_rank('source_format') }}  -> 1 for 'amazon', 2 for 'helium10', ...
        {{ amazon_ads_format_of_rank('best_rank') }}   -> 'amazon' for 1, ...
-#}
{% macro amazon_ads_format_array() -%}
    (array[
    {%- for format in var('amazon_ads_format_precedence') -%}
        '{{ format | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
    ]::text[])
{%- endmacro %}

{% macro amazon_ads_format_rank(column) -%}
    array_position({{ amazon_ads_format_array() }}, ({{ column }})::text)
{%- endmacro %}

{% macro amazon_ads_format_of_rank(rank) -%}
    {{ amazon_ads_format_array() }}[{{ rank }}]
{%- endmacro %}
