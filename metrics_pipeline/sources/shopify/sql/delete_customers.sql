delete from raw_shopify.customers
where shop_domain = %(shop_domain)s
  and customer_id = any(%(customer_ids)s::bigint[])
