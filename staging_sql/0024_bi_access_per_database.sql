-- BI access per database. Several warehouses (one per agency, or staging and production) may
-- share one PostgreSQL server, whose roles are server-wide: membership of the group role
-- metrics_analytics_reader used to mean "all rows" in every one of them, and PUBLIC could
-- connect to all of them. Now:
--   - only logins granted CONNECT on this database (by `metrics-pipeline bi add-login`, run
--     against it) may connect to it;
--   - "all rows" is a scope of this database (bi_access.login_scopes, kind 'all_rows'), like a
--     client or a workspace, so an analyst of warehouse A sees nothing in warehouse B even if
--     it is a client login there.

do $$
begin
    execute format('revoke connect on database %I from public', current_database());
    -- whoever runs the migrations (the pipeline's role) keeps connecting
    execute format('grant connect on database %I to %I', current_database(), current_user);
end
$$;

alter table bi_access.login_scopes drop constraint if exists login_scopes_scope_kind_check;
alter table bi_access.login_scopes
    add constraint login_scopes_scope_kind_check check (scope_kind in ('client', 'workspace', 'all_rows'));

-- Upgrading a database that had BI access before this migration (0013 applied by an earlier
-- run; one run applies all its files in one transaction, so now() is the same for all): its
-- all-rows logins keep what they had. They cannot be told apart from another database's, so
-- every all-rows login of the server gets the scope here; `metrics-pipeline bi remove-login
-- <name>` against this database takes it away. A new database gets none.
insert into bi_access.login_scopes (login_name, scope_kind, scope_slug)
select r.rolname, 'all_rows', '*'
from pg_roles as r
where
    r.rolcanlogin
    and not r.rolsuper
    and pg_has_role(r.oid, 'metrics_analytics_reader', 'MEMBER')
    and exists (select 1 from ops.schema_migrations as m where m.version = '0013' and m.applied_at < now())
on conflict do nothing;

-- ... and every login with a scope here keeps connecting.
do $$
declare
    login name;
begin
    for login in
        select distinct s.login_name from bi_access.login_scopes s
        join pg_roles r on r.rolname = s.login_name and r.rolcanlogin
    loop
        execute format('grant connect on database %I to %I', current_database(), login);
    end loop;
end
$$;

create or replace function bi_access.sees_all_rows(caller name)
returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select bi_access.caller_is_genuine(caller)
       and pg_has_role(caller, 'metrics_analytics_reader', 'MEMBER')
       and exists (
           select 1 from bi_access.login_scopes s
           where s.login_name = caller and s.scope_kind = 'all_rows'
       )
$$;

revoke all on function bi_access.sees_all_rows(name) from public;
grant execute on function bi_access.sees_all_rows(name) to metrics_bi_reader, metrics_analytics_reader;
