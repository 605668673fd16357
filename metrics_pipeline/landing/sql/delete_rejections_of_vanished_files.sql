-- Quarantined rows of the partition's files that are no longer in the exports root.
delete from ops.rejected_rows
where source = %(source)s
  and partition_key = %(partition_key)s
  and not (source_file = any(%(present_files)s::text[]))
