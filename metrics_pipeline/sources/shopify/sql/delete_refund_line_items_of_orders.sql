-- Refund line items of the orders about to be replaced (they have no order id of their own).
delete from raw_shopify.refund_line_items as l
using raw_shopify.refunds as r
where l.shop_domain = %(shop_domain)s
  and r.shop_domain = l.shop_domain
  and r.refund_id = l.refund_id
  and r.order_id = any(%(order_ids)s::bigint[])
