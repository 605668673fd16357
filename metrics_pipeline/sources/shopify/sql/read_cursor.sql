-- Where incremental sync resumes: the newest updated_at landed for the shop (no row: full history),
-- and whether the orders behind it were read with read_all_orders (false: they stop at 60 days).
select orders_updated_at, all_orders
from raw_shopify.sync_cursors
where shop_domain = %(shop_domain)s
