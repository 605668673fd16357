-- Per ad account and closed day: how far the EOD spend moved from what the platform first
-- reported for it, largest moves first (account currency).
select p.platform, e.entity_name as account, p.metric_date, p.currency,
       p.first_reported_spend, p.spend, p.spend_drift
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
where p.kind = 'eod' and p.level = 'account'
  and p.first_reported_spend is not null and p.spend_drift <> 0
order by abs(p.spend_drift) desc, p.metric_date, p.platform, e.entity_name
