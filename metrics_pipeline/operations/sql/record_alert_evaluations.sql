insert into ops.alert_rule_evaluations (workspace_slug, rule_id, last_evaluated_at)
select workspace_slug, rule_id, %(now)s
from config.alert_rules
where workspace_slug || '/' || rule_id = any(%(rule_keys)s::text[])
on conflict (workspace_slug, rule_id) do update set last_evaluated_at = excluded.last_evaluated_at
