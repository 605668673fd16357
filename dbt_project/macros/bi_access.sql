{#-
    Post-hook of every marts model (dbt_project.yml): what BI logins may read of the relation
    dbt just (re)built. dbt recreates a table on every full build, dropping its grants and
    policies, so they are applied again here, inside the build's transaction: the new table is
    never visible without its policy.

    Only what is missing is applied. An incremental build keeps the table, its policy and its
    grants, and must not touch them: ENABLE ROW LEVEL SECURITY, DROP / CREATE POLICY need an
    ACCESS EXCLUSIVE lock, which waits for every BI query reading the mart (and makes every
    later one wait behind it), while the build's own DELETE / INSERT do not conflict with
    readers at all. The policy carries a comment with a hash of its expression, so a changed
    expression (a mart that gained workspace_slug, a new version of this macro) is re-created.

    - A relation with client_slug and/or workspace_slug: row-level security on, one SELECT
      policy `bi_row_scope` (a row is visible to the all-rows analytics role, to a login granted
      its client, or to a login granted its workspace), SELECT granted to metrics_bi_reader and
      metrics_analytics_reader. The policy reads the login's scopes through SECURITY DEFINER
      functions of the bi_access schema (staging_sql/0013), evaluated once per query.
    - A view: additionally security_invoker, so the policies of the tables it reads apply to
      the reader rather than to the view's owner (who bypasses them).
    - A relation with neither column fails the build, unless the model says
      `meta: {bi_access: analytics_only}`: then only metrics_analytics_reader may read it, and
      its policy shows rows only to a login with the all-rows scope in this database.
    Materialized views cannot carry row-level security and fail the build.
-#}
{% macro apply_bi_access(relation) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
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
    {%- set filters = ['(select bi_access.sees_all_rows(current_user))'] -%}
    {%- if 'client_slug' in columns -%}
        {%- do filters.append('client_slug = any ((select bi_access.visible_client_slugs(current_user))::text[])') -%}
    {%- endif -%}
    {%- if 'workspace_slug' in columns -%}
        {%- do filters.append(
            'workspace_slug = any ((select bi_access.visible_workspace_slugs(current_user))::text[])'
        ) -%}
    {%- endif -%}
    {%- if filters | length > 1 -%}
        {%- set readers = ['metrics_analytics_reader', 'metrics_bi_reader'] -%}
    {%- elif declared == 'analytics_only' -%}
        {%- set readers = ['metrics_analytics_reader'] -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ' (' ~ relation_kind ~ ' in ' ~ relation.schema ~ ') has neither client_slug nor '
            ~ 'workspace_slug, so BI logins cannot be limited to their own rows. Add the columns (every row '
            ~ 'carries its workspace) or set `meta: {bi_access: analytics_only}` on the model to keep it away '
            ~ 'from client logins.') }}
    {%- endif -%}
    {%- set using = filters | join('\n        or ') -%}
    {%- set fingerprint = 'bi_access ' ~ local_md5(using) -%}
    {%- set name = relation.include(database=false) -%}

    {%- set state = run_query(
        "select c.relrowsecurity,"
        ~ " coalesce((select obj_description(p.oid, 'pg_policy') from pg_policy p"
        ~ "           where p.polrelid = c.oid and p.polname = 'bi_row_scope'), ''),"
        ~ " coalesce((select string_agg(g.entry, ',' order by g.entry) from ("
        ~ "             select case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee) end"
        ~ "                    || ':' || a.privilege_type as entry"
        ~ "             from aclexplode(c.relacl) a"
        ~ "             where a.grantee = 0 or pg_get_userbyid(a.grantee) in"
        ~ "                   ('metrics_bi_reader', 'metrics_analytics_reader')) g), ''),"
        ~ " coalesce(array_to_string(c.reloptions, ','), '')"
        ~ " from pg_class c where c.oid = '" ~ name ~ "'::regclass"
    ).rows[0] -%}
    {%- set has_row_security, policy_fingerprint, grants, options = state[0], state[1], state[2], state[3] -%}
    {%- set wanted_grants = readers | join(':SELECT,') ~ ':SELECT' -%}

    {#- USAGE on the schema comes from the migration: granting it here from dbt's parallel threads
        would update the schema's catalog row concurrently ("tuple concurrently updated"). -#}
    {% if grants != wanted_grants -%}
    revoke all on {{ relation }} from public, metrics_bi_reader, metrics_analytics_reader;
    grant select on {{ relation }} to {{ readers | join(', ') }};
    {%- endif %}
    {% if is_view and 'security_invoker=true' not in options -%}
    alter view {{ relation }} set (security_invoker = true);
    {%- endif %}
    {% if not is_view and not has_row_security -%}
    alter table {{ relation }} enable row level security;
    {%- endif %}
    {% if not is_view and policy_fingerprint != fingerprint -%}
    drop policy if exists bi_row_scope on {{ relation }};
    create policy bi_row_scope on {{ relation }} for select to public using (
        {{ using }}
    );
    comment on policy bi_row_scope on {{ relation }} is '{{ fingerprint }}';
    {%- endif %}
{%- endmacro %}
