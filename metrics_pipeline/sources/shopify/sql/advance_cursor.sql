-- The cursor only moves forward: a sync that saw nothing newer leaves it where it was.
insert into raw_shopify.sync_cursors (shop_domain, orders_updated_at, updated_at)
values (%(shop_domain)s, %(orders_updated_at)s, now())
on conflict (shop_domain) do update
set orders_updated_at = greatest(raw_shopify.sync_cursors.orders_updated_at, excluded.orders_updated_at),
    updated_at        = excluded.updated_at
