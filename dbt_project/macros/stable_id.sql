{#-
    Deterministic entity id: '<platform>:' || md5(parts joined by the unit separator chr(31)).

        {{ stable_id('media_partner', 'client_slug', 'campaign_name') }}
        -> 'media_partner' || ':' || md5(concat_ws(chr(31), client_slug, campaign_name))

    platform: a plain string (the macro quotes it), e.g. 'media_partner'.
    parts:    one or more SQL expressions, from the top of the hierarchy down to the entity,
              e.g. client_slug, campaign_name, strategy_name. Every part must be NOT NULL
              (concat_ws skips NULLs, which would make ('a', null, 'b') collide with ('a', 'b')).
    The same sequence of values always gives the same id, on any run and any database.
-#}
{% macro stable_id(platform) -%}
    {%- if varargs | length == 0 -%}
        {{ exceptions.raise_compiler_error("stable_id(platform, parts...) needs at least one part") }}
    {%- endif -%}
    ('{{ platform | replace("'", "''") }}' || ':' || md5(concat_ws(chr(31)
    {%- for part in varargs -%}
        , ({{ part }})::text
    {%- endfor -%}
    )))
{%- endmacro %}
