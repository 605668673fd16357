insert into ops.retention_log (action, table_name, month, object_key, row_count, status, message)
values (%(action)s, %(table_name)s, %(month)s, %(object_key)s, %(row_count)s, %(status)s, %(message)s)
