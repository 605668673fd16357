{#-
    numerator / denominator as numeric, rounded half away from zero to exactly 6 decimal
    places; NULL when the denominator is 0 (or either side is NULL).

    The rounding is exact: it uses integer division on numeric (div() truncates exactly)
    rather than "round(a / b, 6)", because Postgres' numeric "/" rounds its quotient to a
    scale that can drop below 6 decimals for large quotients, and rounding twice can be off
    by one in the last place. Nothing is ever cast through float.

        round6(n / d) = sign(n) * sign(d) * div(2 * 10^6 * |n| + |d|, 2 * |d|) * 0.000001
-#}
{% macro safe_divide(numerator, denominator) -%}
    (case
        when ({{ denominator }})::numeric = 0 then null::numeric
        else round(
            sign(({{ numerator }})::numeric) * sign(({{ denominator }})::numeric)
            * div(
                abs(({{ numerator }})::numeric) * 2000000 + abs(({{ denominator }})::numeric),
                abs(({{ denominator }})::numeric) * 2
            )
            * 0.000001,
            6
        )
    end)
{%- endmacro %}
