{#-
  The nightly build window. A day-keyed mart is an incremental model that rebuilds only the
  days the run re-landed: `dbt build --vars '{window_start: "2026-10-04", window_end: "2026-10-31"}'`
  (the Dagster job passes its partition range). Without both vars, or on --full-refresh, or
  when the table does not exist yet, the model is built whole.

  Correctness lives in the `replace_days` strategy below (delete the window's days and every
  day the new rows carry, insert the new rows); the `in_build_window` filters are there for
  speed, so Postgres reads only the window's rows from the indexed landing tables.
-#}

{#- The run's window, whether or not the model at hand is built incrementally: the vars, else
    the environment variables METRICS_DBT_WINDOW_START / _END (what the Dagster job sets).
    The environment is read only when executing, never while parsing: dbt re-parses the whole
    project when the vars change (about 9 s here, every run), and would re-parse every file that
    read an environment variable whose value changed; read at execution, neither happens. -#}
{% macro window_vars() -%}
    {%- set window_start, window_end = var('window_start', none), var('window_end', none) -%}
    {%- if execute and not (window_start or window_end) -%}
        {%- set window_start = env_var('METRICS_DBT_WINDOW_START', '') -%}
        {%- set window_end = env_var('METRICS_DBT_WINDOW_END', '') -%}
    {%- endif -%}
    {%- if window_start and window_end -%}
        {{ return({'start': window_start | string, 'end': window_end | string}) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- The window a model builds: none when it is built whole. -#}
{% macro build_window() -%}
    {{ return(window_vars() if is_incremental() else none) }}
{%- endmacro %}


{#- `column` within the window, widened `lookback_days` back (for inputs a window day reads
    from earlier days, e.g. touches before an order); `true` when the build is whole. -#}
{% macro in_build_window(column, lookback_days=0) -%}
    {%- set window = build_window() -%}
    {%- if window -%}
        ({{ column }} between date '{{ window.start }}' - {{ lookback_days }} and date '{{ window.end }}')
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- The same bounds for a timestamptz column: one day of slack either side, because a local day
    of any zone lies within [day - 1, day + 2) in UTC; the model still filters on its local day. -#}
{% macro in_build_window_at(column, lookback_days=0) -%}
    {%- set window = build_window() -%}
    {%- if window -%}
        ({{ column }} >= (date '{{ window.start }}' - {{ lookback_days + 1 }})::timestamp at time zone 'UTC'
         and {{ column }} < (date '{{ window.end }}' + 2)::timestamp at time zone 'UTC')
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- Custom incremental strategy for the day-keyed marts (config incremental_strategy='replace_days',
    unique_key and window_column = the day column, as day_keyed_mart sets them): every day in the
    window and every day present in the new rows is replaced whole, so a day whose rows all
    vanished upstream is emptied, not left stale. The same SQL as replace_keys. -#}
{% macro get_incremental_replace_days_sql(arg_dict) -%}
    {{ return(get_incremental_replace_keys_sql(arg_dict)) }}
{%- endmacro %}


{#- Custom incremental strategy for models keyed by something other than the day, whose rows a
    window day can change outside the window (config incremental_strategy='replace_keys',
    unique_key=<the key column>, window_column=<the row's day column>): every key present in the
    new rows is replaced whole, and every row whose day is in the window is deleted first (so a
    key whose rows all vanished upstream leaves nothing behind). int_pixel__events: a visitor
    with an event in the window is re-sessionised over all their events. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set new_rows = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set window_column = config.get('window_column') -%}
    {%- if key is not string or not window_column -%}
        {{ exceptions.raise_compiler_error(
            "replace_days / replace_keys need unique_key (one column) and window_column"
            ~ " (the row's day column), got " ~ key ~ ", " ~ window_column) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set window = build_window() -%}
    delete from {{ target }}
    where {{ key }} in (select distinct {{ key }} from {{ new_rows }})
    {%- if window %}
       or {{ window_column }} between date '{{ window.start }}' and date '{{ window.end }}'
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ new_rows }}
{%- endmacro %}


{#- For tests: `column` within the run's window (a windowed build only changed those days, and
    the days before were tested when they were built), `true` when the build is whole. -#}
{% macro in_test_window(column) -%}
    {%- set window = window_vars() -%}
    {%- if window -%}
        ({{ column }} between date '{{ window.start }}' and date '{{ window.end }}')
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- Generic tests (unique, not_null, relationships, ...) on a model whose config names its
    `window_column` (the day-keyed marts, the `replace_keys` models, and the views over
    day-partitioned landing tables, whose rows outside the window did not change) look at the
    run's window days only, so the nightly build's tests cost the window, not the
    history. Self-contained: dbt renders this in a context where the project's other macros
    are not in scope. -#}
{% macro postgres__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set window_start, window_end = var('window_start', none), var('window_end', none) -%}
    {%- if execute and not (window_start or window_end) -%}  {#- as window_vars(), out of scope here -#}
        {%- set window_start = env_var('METRICS_DBT_WINDOW_START', '') -%}
        {%- set window_end = env_var('METRICS_DBT_WINDOW_END', '') -%}
    {%- endif -%}
    {%- if execute and window_start and window_end and relation is not string and relation.identifier -%}
        {%- for node in graph.nodes.values() -%}
            {%- set day_column = node.config.get('window_column') -%}
            {%- if node.resource_type == 'model' and day_column
                  and (node.alias or node.name) == relation.identifier
                  and node.schema == relation.schema -%}
                {%- do conditions.append(
                    '(' ~ day_column
                    ~ " between date '" ~ window_start
                    ~ "' and date '" ~ window_end ~ "')") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#- The config of a day-keyed mart: incremental by `day`, replaced whole per day, indexed by day
    (what the strategy deletes by) plus `indexes`. Call it instead of config(). -#}
{% macro day_keyed_mart(day, indexes=[]) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_days',
        unique_key=day,
        window_column=day,
        on_schema_change='fail',
        indexes=[{'columns': [day]}] + indexes,
    ) }}
{%- endmacro %}
