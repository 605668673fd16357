-- The table-months whose rows are in the exports store only: their latest completed action is
-- an archive (a restore after it put the rows back).
select table_name, month, object_key
from (
    select distinct on (table_name, month)
        table_name,
        month,
        object_key,
        action
    from ops.retention_log
    where status = 'completed'
    order by table_name asc, month asc, logged_at desc, retention_log_id desc
) as latest
where action = 'archive'
order by table_name, month
