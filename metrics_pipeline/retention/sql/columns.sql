-- The table's columns in order, with their type as Postgres spells it (numeric(20,6), jsonb, ...).
select
    attribute.attname as column_name,
    format_type(attribute.atttypid, attribute.atttypmod) as column_type,
    coalesce(attribute.attnum = any(constraint_.conkey), false) as in_primary_key
from pg_catalog.pg_attribute as attribute
left join pg_catalog.pg_constraint as constraint_
    on
        attribute.attrelid = constraint_.conrelid
        and constraint_.contype = 'p'
where
    attribute.attrelid = %(relation)s::regclass
    and attribute.attnum > 0
    and not attribute.attisdropped
order by attribute.attnum
