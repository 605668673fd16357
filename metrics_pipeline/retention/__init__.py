"""Retention: raw landing rows older than the configured days move, one table-month at a time,
to Parquet files in the exports store and are deleted; `restore` puts a range back.

`plan` holds the pure parts (which tables, which months, the object keys), `archive` the
database and store work.
"""
