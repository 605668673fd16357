-- What the attempts of one run recorded about why they failed (transient | permanent | unknown).
select distinct failure_kind
from ops.ingestion_logs
where run_id = %(run_id)s
  and status = 'failed'
  and failure_kind is not null
