delete from ops.rejected_rows
where source = %(source)s
  and partition_key = %(partition_key)s
  and source_file = %(source_file)s
