-- Issue 14: a sync that landed but not everything it should have says so.
--   ops.connection_states.warning      what the last successful sync could not do (a Shopify app
--                                      without read_all_orders sees only the last 60 days of
--                                      orders); null when nothing
--   raw_shopify.sync_cursors.all_orders the orders behind the cursor were read with read_all_orders:
--                                      false makes the next sync that has the scope re-read the
--                                      full history instead of resuming
alter table ops.connection_states add column if not exists warning text;
alter table raw_shopify.sync_cursors add column if not exists all_orders boolean not null default true;
