-- Entity tables hold the advertiser's latest state: replaced whole on every sync.
delete from {table}
where advertiser_id = %(advertiser_id)s
