insert into ops.connection_states
    (connection_id, account_id, status, last_error, warning, last_success_at, updated_at)
values (%(connection_id)s, %(account_id)s, %(status)s, %(error)s, %(warning)s,
        case when %(status)s = 'ok' then now() end, now())
on conflict (connection_id, account_id) do update
set status          = excluded.status,
    last_error      = excluded.last_error,
    -- a failed sync learned nothing new about what a successful one could not do
    warning         = case when excluded.status = 'ok' then excluded.warning
                           else ops.connection_states.warning end,
    last_success_at = coalesce(excluded.last_success_at, ops.connection_states.last_success_at),
    updated_at      = excluded.updated_at
