delete from ops.rejected_rows
where source = 'affiliate'
  and partition_key = %(partition_key)s
  and not (source_file = any(%(present_files)s::text[]))
