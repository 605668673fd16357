-- Entity tables hold the customer's latest state: empty them for the customer, then COPY the
-- fresh extract in (same transaction), so an entity gone from the API is gone here too.
with removed_customer as (
    delete from raw_google_ads.customers where customer_id = %(customer_id)s
), removed_campaigns as (
    delete from raw_google_ads.campaigns where customer_id = %(customer_id)s
), removed_ad_groups as (
    delete from raw_google_ads.ad_groups where customer_id = %(customer_id)s
), removed_ads as (
    delete from raw_google_ads.ads where customer_id = %(customer_id)s
)
delete from raw_google_ads.keywords where customer_id = %(customer_id)s
