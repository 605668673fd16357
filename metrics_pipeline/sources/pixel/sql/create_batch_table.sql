-- Where each block of parsed events is COPYed before it joins raw_pixel.events.
create temp table if not exists pixel_events_batch (like raw_pixel.events) on commit drop
