-- An updated order is replaced whole: the order, its line items, its refunds.
delete from {table}
where shop_domain = %(shop_domain)s
  and order_id = any(%(order_ids)s::bigint[])
