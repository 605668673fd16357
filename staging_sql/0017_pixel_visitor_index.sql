-- int_pixel__events rebuilds, in a windowed build, every event of the visitors the window
-- touched; the staging view trims site_id, so the (site_id, visitor_id, occurred_at) index
-- cannot serve that lookup, and without this one it is a scan of all history.
create index if not exists events_visitor_id_idx on raw_pixel.events (visitor_id);
