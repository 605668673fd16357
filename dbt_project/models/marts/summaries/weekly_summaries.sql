-- Per client and Monday-Sunday week.
{{ media_partner_period_summary('week') }}
