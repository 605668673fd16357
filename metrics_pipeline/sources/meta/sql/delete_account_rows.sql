-- Entity tables hold the account's latest state: replaced whole on every sync.
delete from {table}
where account_id = %(account_id)s
