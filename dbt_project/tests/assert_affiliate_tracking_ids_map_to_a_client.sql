-- Shown in Dagster as an asset check on int_affiliate__events.
-- Severity warn: an affiliate event whose campaign tracking id starts with no client's
-- config.affiliate_tracking_prefixes prefix is landed but kept out of every mart (it has no
-- client, so no workspace, timezone or entity). That is a configuration gap to close (add the
-- prefix to the client's affiliate.tracking_id_prefixes), not broken data, so the build goes on.
-- Returns one row per unmapped tracking id, naming it with its events, revenue and files.
{{ config(severity='warn') }}

select
    tracking_id,
    count(*)                                        as events,
    sum(revenue)                                    as signed_revenue,
    min(event_date)                                 as first_landed_day,
    max(event_date)                                 as last_landed_day,
    string_agg(distinct source_file, ', ')          as source_files

from {{ ref('int_affiliate__events') }}
where not is_mapped
group by tracking_id
