-- The cursor only moves forward: a sync that saw nothing newer leaves it where it was. all_orders
-- is this sync's: whether it could see orders older than 60 days (read_all_orders).
insert into raw_shopify.sync_cursors (shop_domain, orders_updated_at, all_orders, updated_at)
values (%(shop_domain)s, %(orders_updated_at)s, %(all_orders)s, now())
on conflict (shop_domain) do update
set orders_updated_at = greatest(raw_shopify.sync_cursors.orders_updated_at, excluded.orders_updated_at),
    all_orders        = excluded.all_orders,
    updated_at        = excluded.updated_at
