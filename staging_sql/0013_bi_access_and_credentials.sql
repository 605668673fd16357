-- BI access and the encrypted credential store.
--
-- BI tools read the schema `marts` and nothing else. Two group roles (NOLOGIN):
--   metrics_bi_reader         client and workspace logins: rows filtered by row-level security
--   metrics_analytics_reader  the agency's all-rows, read-only analytics login(s)
-- dbt (macros/bi_access.sql, a post-hook on every marts model) grants SELECT on each mart to
-- both and enables the row-level security policy on it after every build.
--
-- Roles are cluster-wide while everything else here belongs to this database, and several
-- databases on one server may migrate at the same moment (the advisory lock of the migration
-- runner is per database): creating a role that another session just created is not an error.
do $$
begin
    create role metrics_bi_reader nologin;
exception when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role metrics_analytics_reader nologin;
exception when duplicate_object or unique_violation then null;
end
$$;

-- A pre-existing role of the same name with more power than reading would silently widen
-- every BI login: refuse to go on rather than alter a cluster-wide role behind the operator.
do $$
begin
    if exists (
        select 1 from pg_roles
        where rolname in ('metrics_bi_reader', 'metrics_analytics_reader')
          and (rolsuper or rolbypassrls or rolcreaterole or rolcreatedb or rolreplication or rolcanlogin)
    ) then
        raise exception 'role metrics_bi_reader or metrics_analytics_reader exists with more than read access '
                        '(login, superuser, bypassrls, createrole, createdb or replication); fix it by hand';
    end if;
end
$$;

create schema if not exists marts;
grant usage on schema marts to metrics_bi_reader, metrics_analytics_reader;

-- Nobody but the pipeline creates objects: not in public (PostgreSQL 15 already revokes it, an
-- upgraded database may not), and not in a temporary schema either (a BI login could otherwise
-- define functions there). The role running the migrations keeps TEMP for itself.
revoke create on schema public from public;
do $$
begin
    execute format('revoke temporary on database %I from public', current_database());
    execute format('grant temporary on database %I to %I', current_database(), current_user);
end
$$;

-- Which login sees which client's or workspace's rows. Only the pipeline writes it (the
-- `metrics-pipeline bi add-login` command); logins cannot read it.
create schema if not exists bi_access;
-- No USAGE on the schema for the logins: a policy calls its functions by reference (schema
-- privileges are checked when a name is looked up, not when a stored policy runs), so a
-- login can neither read the table nor call the functions itself.
revoke all on schema bi_access from public;

create table if not exists bi_access.login_scopes (
    login_name  text        not null,   -- a LOGIN role, member of metrics_bi_reader
    scope_kind  text        not null check (scope_kind in ('client', 'workspace')),
    scope_slug  text        not null,   -- config.clients.client_slug or config.workspaces.workspace_slug
    created_at  timestamptz not null default now(),
    primary key (login_name, scope_kind, scope_slug)
);

-- The caller is passed in (current_user, evaluated in the policy as the querying role) and
-- checked against session_user, so a login can only ask about itself (or a role it may SET
-- ROLE to); an administrator can `set role <login>` to see what a login sees.
create or replace function bi_access.caller_is_genuine(caller name)
returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select caller = session_user or pg_has_role(session_user, caller, 'MEMBER')
$$;

create or replace function bi_access.sees_all_rows(caller name)
returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select bi_access.caller_is_genuine(caller)
       and pg_has_role(caller, 'metrics_analytics_reader', 'MEMBER')
$$;

-- Clients granted directly, plus every client of a granted workspace.
create or replace function bi_access.visible_client_slugs(caller name)
returns text[]
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(array_agg(distinct slug), '{}')
    from (
        select s.scope_slug as slug
        from bi_access.login_scopes s
        where s.login_name = caller and s.scope_kind = 'client'
        union all
        select c.client_slug
        from bi_access.login_scopes s
        join config.clients c on c.workspace_slug = s.scope_slug
        where s.login_name = caller and s.scope_kind = 'workspace'
    ) granted
    where bi_access.caller_is_genuine(caller)
$$;

create or replace function bi_access.visible_workspace_slugs(caller name)
returns text[]
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(array_agg(s.scope_slug), '{}')
    from bi_access.login_scopes s
    where s.login_name = caller and s.scope_kind = 'workspace'
      and bi_access.caller_is_genuine(caller)
$$;

revoke all on all functions in schema bi_access from public;
grant execute on function
    bi_access.sees_all_rows(name),
    bi_access.visible_client_slugs(name),
    bi_access.visible_workspace_slugs(name)
to metrics_bi_reader, metrics_analytics_reader;

-- Platform credentials, encrypted by the application (AES-256-GCM, keys from the environment:
-- metrics_pipeline/security/credentials.py). The database never sees a key or a plain value; the
-- ciphertext is bound to (connection_id, credential_name), so a row copied onto another
-- connection or name does not decrypt.
create schema if not exists credentials;
revoke all on schema credentials from public;

create table if not exists credentials.connection_credentials (
    connection_id    text        not null,   -- config.connections.connection_id
    credential_name  text        not null,   -- access_token, refresh_token, developer_token, client_id, ...
    key_id           text        not null,   -- which key of METRICS_CREDENTIALS_KEYS encrypted it
    nonce            bytea       not null check (length(nonce) = 12),
    ciphertext       bytea       not null,   -- AES-GCM output: encrypted value followed by the 16-byte tag
    status           text        not null default 'active'
        check (status in ('active', 'expired', 'revoked', 'error')),
    last_error       text,                   -- the platform's last refusal, as the connector logged it (no value)
    expires_at       timestamptz,            -- when known (e.g. a Meta long-lived token): past it, status expired
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),   -- value or status last changed
    encrypted_at     timestamptz not null default now(),   -- last (re-)encryption, e.g. by a key rotation
    primary key (connection_id, credential_name)
);

revoke all on all tables in schema credentials from public;
