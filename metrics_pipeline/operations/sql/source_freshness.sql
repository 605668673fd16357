-- Per source, when it last landed anything (the latest completed or partial attempt) and how
-- many hours ago that was at %(as_of)s. Sources that never landed are not listed: a source
-- nobody configured is not stale. Whole-run rows of the retry sensor are not a source.
select source,
       max(finished_at)                                                   as last_landed_at,
       round(extract(epoch from (%(as_of)s::timestamptz - max(finished_at))) / 3600, 1)
                                                                          as hours_since
from ops.ingestion_logs
where status in ('completed', 'partial')
  and source <> 'pipeline_run'
  and finished_at is not null
group by source
order by source
