-- The shop row and the catalogue hold the shop's latest state: replaced whole on every sync.
delete from {table}
where shop_domain = %(shop_domain)s
