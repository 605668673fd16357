{#-
    Generic test: the combination of the given columns is unique across the model
    (compound grains). Rows where any of the columns is NULL count like any other value.

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [client_slug, report_date]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns_csv = combination_of_columns | join(', ') %}

select
    {{ columns_csv }},
    count(*) as n_rows
from {{ model }}
group by {{ columns_csv }}
having count(*) > 1

{% endtest %}
