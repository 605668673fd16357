{#-
    Post-hook of every marts model (dbt_project.yml): what BI logins may read of the relation
    dbt just (re)built. dbt recreates a table on every full build, dropping its grants and
    policies, so they are applied again here, inside the build's transaction: the new table is
    never visible without its policy (an incremental build keeps them; re-applying is a no-op).

    - A relation with client_slug and/or workspace_slug: row-level security on, one SELECT
      policy `bi_row_scope` (a row is visible to the all-rows analytics role, to a login granted
      its client, or to a login granted its workspace), SELECT granted to metrics_bi_reader and
      metrics_analytics_reader. The policy reads the login's scopes through SECURITY DEFINER
      functions of the bi_access schema (staging_sql/0013), evaluated once per query.
    - A view: additionally security_invoker, so the policies of the tables it reads apply to
      the reader rather than to the view's owner (who bypasses them).
    - A relation with neither column fails the build, unless the model says
      `meta: {bi_access: analytics_only}`: then only metrics_analytics_reader may read it.
    Materialized views cannot carry row-level security and fail the build.
-#}
{% macro apply_bi_access(relation) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set bi_roles = 'metrics_bi_reader, metrics_analytics_reader' -%}
    {%- set declared = (model.config.get('meta') or {}).get('bi_access') -%}
    {%- set materialized = model.config.get('materialized') -%}
    {%- if materialized == 'materialized_view' -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ': a materialized view cannot carry row-level security; make it a table') }}
    {%- endif -%}
    {%- set is_view = materialized == 'view' -%}
    {%- set relation_kind = 'view' if is_view else 'table' -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {#- `= any ((select f())::text[])`: the cast makes it an array expression; the scalar subquery is an
        InitPlan, so the login's scopes are looked up once per query, not once per row. -#}
    {%- set filters = [] -%}
    {%- if 'client_slug' in columns -%}
        {%- do filters.append('client_slug = any ((select bi_access.visible_client_slugs(current_user))::text[])') -%}
    {%- endif -%}
    {%- if 'workspace_slug' in columns -%}
        {%- do filters.append(
            'workspace_slug = any ((select bi_access.visible_workspace_slugs(current_user))::text[])'
        ) -%}
    {%- endif -%}

    {#- USAGE on the schema comes from the migration: granting it here from dbt's parallel threads
        would update the schema's catalog row concurrently ("tuple concurrently updated"). -#}
    revoke all on {{ relation }} from public;
    {% if is_view -%}
    alter view {{ relation }} set (security_invoker = true);
    {%- endif %}

    {% if filters | length > 0 -%}
    {%- if not is_view %}
    alter table {{ relation }} enable row level security;
    drop policy if exists bi_row_scope on {{ relation }};
    create policy bi_row_scope on {{ relation }} for select to public using (
        (select bi_access.sees_all_rows(current_user))
        or {{ filters | join('\n        or ') }}
    );
    {%- endif %}
    grant select on {{ relation }} to {{ bi_roles }};
    {%- elif declared == 'analytics_only' -%}
    revoke all on {{ relation }} from metrics_bi_reader;
    grant select on {{ relation }} to metrics_analytics_reader;
    {%- else -%}
    {{ exceptions.raise_compiler_error(
        model.name ~ ' (' ~ relation_kind ~ ' in ' ~ relation.schema ~ ') has neither client_slug nor workspace_slug, '
        ~ 'so BI logins cannot be limited to their own rows. Add the columns (every row carries its workspace) '
        ~ 'or set `meta: {bi_access: analytics_only}` on the model to keep it away from client logins.') }}
    {%- endif %}
{%- endmacro %}
