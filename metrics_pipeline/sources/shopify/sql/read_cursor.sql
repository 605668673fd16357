-- Where incremental sync resumes: the newest updated_at landed for the shop (no row: full history).
select orders_updated_at
from raw_shopify.sync_cursors
where shop_domain = %(shop_domain)s
