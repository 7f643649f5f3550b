-- The readings received since the watermark (the monitor's FRESH_READINGS, a cycle's
-- slicing): a b-tree on received_at instead of the BRIN of 2004. A BRIN range is summarized
-- when autovacuum gets to it, and ingest fills ranges faster than that: autosummarize's
-- requests beyond 256 waiting are dropped ("request for BRIN range summarization ... was
-- not recorded", a log line per range), and a big partition is vacuumed only after a fifth
-- more rows, days at fleet size. Until then every cycle read every unsummarized range
-- whole: at 20,000 sensors x 14 days a slice read 2.4 M pages of the month's partition to
-- find nothing (bench/monitor.py, 2026-12-04). The b-tree costs an insert at its right
-- edge per reading, and little space: rows stored together share received_at (a batch's
-- now()), which deduplication keeps once per page.
drop index if exists readings_received_brin;
create index readings_received_idx on readings (received_at);
