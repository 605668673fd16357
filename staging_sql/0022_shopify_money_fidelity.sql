-- Shopify money as the Admin API means it (issue 14):
--   order_line_items.discount_allocated  every discount on the line (its discountAllocations summed:
--                                        order-level and code discounts included; total_discount
--                                        keeps LineItem.totalDiscountSet, which has neither)
--   order_line_items.current_quantity    LineItem.currentQuantity: after order edits and refunds
--   order_line_items.tax                 the line's taxLines summed
--   orders.taxes_included                prices include the tax (VAT shops): revenue takes it out
--   orders.is_test                       a test order (Bogus Gateway): dbt leaves it out
--   refund_line_items.restock_type       RETURN | CANCEL | NO_RESTOCK | LEGACY_RESTOCK
--   refund_line_items.total_tax          the refunded line's tax
-- Rows landed before this migration have nulls (dbt falls back to the old meaning); the sync
-- cursors are reset so that the next run re-reads every order and fills them.
alter table raw_shopify.orders add column if not exists taxes_included boolean;
alter table raw_shopify.orders add column if not exists is_test boolean not null default false;
alter table raw_shopify.order_line_items add column if not exists current_quantity integer;
alter table raw_shopify.order_line_items add column if not exists discount_allocated numeric(20, 6);
alter table raw_shopify.order_line_items add column if not exists tax numeric(20, 6);
alter table raw_shopify.refund_line_items add column if not exists restock_type text;
alter table raw_shopify.refund_line_items add column if not exists total_tax numeric(20, 6);
delete from raw_shopify.sync_cursors;
