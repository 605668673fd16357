-- Per client and calendar month.
{{ media_partner_period_summary('month') }}
