-- Evaluate the given alert rules (%(rule_keys)s: 'workspace/rule_id') over the EOD rows of
-- marts.fct_pnl_daily into the temporary table alert_evaluation: one row per rule and entity in
-- scope, for the entity's latest closed day, with `triggered` true when the rule's condition
-- holds. raise_alert_events.sql and resolve_alert_events.sql act on it.
--
-- Per rule and entity in scope, the day evaluated is the entity's latest closed day; the
-- baseline is the `baseline_days` days before it, a day without a row counting as zero
-- (an ad that did not spend had no clicks). Scopes: account and campaign rows as the mart
-- has them (account currency); a workspace is the sum of its accounts, money in the
-- workspace's reporting currency.
create temporary table alert_evaluation on commit drop as
with rules as (
    select *
    from config.alert_rules
    where workspace_slug || '/' || rule_id = any(%(rule_keys)s::text[])
),

scoped as (
    select r.workspace_slug, r.rule_id, p.entity_id, e.entity_name, p.client_slug, p.currency, p.metric_date,
           p.spend, p.clicks, p.conversions, p.platform_revenue
    from rules as r
    join marts.fct_pnl_daily as p
      on p.workspace_slug = r.workspace_slug and p.kind = 'eod' and p.level = r.scope_level
    join marts.dim_ad_entities as e on e.entity_id = p.entity_id
    join marts.dim_ad_entities as a on a.entity_id = p.account_entity_id
    where r.scope_level in ('account', 'campaign')
      and (r.account_selector is null or r.account_selector in (a.platform_account_id, a.entity_id))
      and (r.campaign_selector is null
           or r.campaign_selector in (e.platform_entity_id, e.entity_id, e.entity_name))

    union all

    select r.workspace_slug, r.rule_id, 'workspace:' || r.workspace_slug, r.workspace_slug, null,
           max(p.reporting_currency), p.metric_date,
           sum(p.spend_reporting), sum(p.clicks), sum(p.conversions), sum(p.platform_revenue_reporting)
    from rules as r
    join marts.fct_pnl_daily as p
      on p.workspace_slug = r.workspace_slug and p.kind = 'eod' and p.level = 'account'
    where r.scope_level = 'workspace'
    group by r.workspace_slug, r.rule_id, p.metric_date
),

latest as (
    select workspace_slug, rule_id, entity_id, max(metric_date) as metric_date
    from scoped
    group by workspace_slug, rule_id, entity_id
),

measured as (
    select r.workspace_slug, r.rule_id, r.rule_type, r.severity, r.scope_level, r.threshold, r.baseline_days,
           cur.entity_id, cur.entity_name, cur.client_slug, cur.currency, cur.metric_date,
           cur.spend, cur.clicks, cur.conversions, cur.platform_revenue,
           base.days_with_rows, base.spend as base_spend, base.conversions as base_conversions,
           base.platform_revenue as base_revenue, base.mean_spend, base.mean_conversions,
           base.mean_clicks, base.stddev_clicks
    from latest as l
    join rules as r using (workspace_slug, rule_id)
    join scoped as cur using (workspace_slug, rule_id, entity_id, metric_date)
    cross join lateral (
        select count(b.metric_date)                    as days_with_rows,
               coalesce(sum(b.spend), 0)               as spend,
               coalesce(sum(b.conversions), 0)         as conversions,
               coalesce(sum(b.platform_revenue), 0)    as platform_revenue,
               avg(coalesce(b.spend, 0))               as mean_spend,
               avg(coalesce(b.conversions, 0))         as mean_conversions,
               avg(coalesce(b.clicks, 0))              as mean_clicks,
               stddev_pop(coalesce(b.clicks, 0))       as stddev_clicks
        from generate_series(l.metric_date - r.baseline_days, l.metric_date - 1, interval '1 day') as g (day)
        left join scoped as b
          on b.workspace_slug = l.workspace_slug and b.rule_id = l.rule_id and b.entity_id = l.entity_id
         and b.metric_date = g.day::date
    ) as base
),

valued as (
    select m.*,
           case m.rule_type
               when 'spend_threshold' then m.spend
               when 'conversion_drop' then m.conversions
               when 'cpa_spike'       then m.spend / nullif(m.conversions, 0)
               when 'roas_drop'       then m.platform_revenue / nullif(m.spend, 0)
               when 'click_anomaly'   then m.clicks
           end as current_value,
           case m.rule_type
               when 'spend_threshold' then m.mean_spend
               when 'conversion_drop' then m.mean_conversions
               when 'cpa_spike'       then m.base_spend / nullif(m.base_conversions, 0)
               when 'roas_drop'       then m.base_revenue / nullif(m.base_spend, 0)
               when 'click_anomaly'   then m.mean_clicks
           end as baseline_value
    from measured as m
),

flagged as (
    -- true: the condition holds; false: it does not; null: it cannot be told (a comparison with
    -- the past without a day of the window having a row, or a value that is undefined, like a
    -- CPA without conversions)
    select *,
           case
               when rule_type <> 'spend_threshold' and days_with_rows = 0 then null
               else case rule_type
                   when 'spend_threshold' then current_value > threshold
                   when 'conversion_drop' then baseline_value > 0 and current_value < baseline_value * (1 - threshold)
                   when 'cpa_spike'       then baseline_value > 0 and current_value > baseline_value * (1 + threshold)
                   when 'roas_drop'       then baseline_value > 0 and current_value < baseline_value * (1 - threshold)
                   when 'click_anomaly'   then stddev_clicks > 0
                                               and abs(current_value - baseline_value) > threshold * stddev_clicks
               end
           end as triggered
    from valued
)

select *
from flagged
