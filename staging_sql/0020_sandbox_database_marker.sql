-- Marks a database as the sandbox's: `metrics-pipeline demo` and `dev` (without
-- METRICS_EXPORTS_URI) write the sandbox's fake credentials and its configuration only into a
-- database that carries this row, which they add on the embedded server or, with
-- --sandbox-database, on an empty database. A warehouse with real data never gets it.
create table if not exists ops.sandbox_database (
    only_row    boolean     primary key default true check (only_row),
    claimed_by  text        not null,   -- the command that claimed it: demo or dev
    claimed_how text        not null,   -- 'embedded server' or '--sandbox-database'
    claimed_at  timestamptz not null default now()
);
