-- Monitor at fleet scale (issue 12): analysis runs cut into slices of cards that workers
-- take from a queue, indexes for the refresh's hot queries, and a change log of sensor
-- bindings that lets the ingest workers' cache follow changes instead of reloading.

-- One analysis run: the readings received after ``since`` (the watermark when the run was
-- made) are rolled up by its slices; the watermark moves to ``started - lag`` only when
-- every slice is done, so a run cut short is redone from the same watermark.
create table monitor_runs (
    id          bigserial primary key,
    since       timestamptz not null,
    started     timestamptz not null,
    window_end  timestamptz not null,
    window_days integer check (window_days between 1 and 730),  -- NULL: each rule's window
    baselines   boolean not null,            -- the day's first run recomputes baselines
    store       boolean not null default true,
    created_at  timestamptz not null default now(),
    finished_at timestamptz
);

-- A slice is the cards with ids in [card_lo, card_hi]. A worker takes one with
-- FOR UPDATE SKIP LOCKED and does all of its work (baselines, rollups, verdicts,
-- suggestions) and marks it done in that same transaction: a worker killed mid-slice rolls
-- all of it back and leaves the slice to the next worker, so nothing is lost or doubled.
create table monitor_slices (
    run_id      bigint not null references monitor_runs (id) on delete cascade,
    slice       integer not null,
    card_lo     bigint not null,
    card_hi     bigint not null,
    done_at     timestamptz,
    worker      text,
    result      jsonb,                       -- what the slice did (counts, seconds)
    primary key (run_id, slice)
);
create index monitor_slices_pending_idx on monitor_slices (run_id, slice) where done_at is null;

-- The readings received since the watermark: the BRIN of 2001 with ranges of 16 pages
-- instead of 128 (the planner takes a range for a table's 128th part, and so chose a scan
-- of the partition), summarized as each range fills instead of at the next vacuum (an
-- unsummarized range is read whole).
drop index if exists readings_received_brin;
create index readings_received_brin on readings using brin (received_at)
    with (pages_per_range = 16, autosummarize = on);

-- Bindings made, moved or closed since a watermark (the refresh's touched-hours clauses);
-- a fleet has tens of thousands of bindings, and these run every cycle.
create index if not exists sensor_bindings_created_idx on sensor_bindings (created_at);
create index if not exists sensor_bindings_updated_idx on sensor_bindings (updated_at);
create index if not exists sensor_light_calibration_updated_idx
    on sensor_light_calibration (updated_at);

-- Every change of a sensor's bindings, so that an ingest worker re-reads only the
-- sensors changed since it last looked (ingest.guards.BindingCache).
create table sensor_binding_changes (
    id         bigserial primary key,
    sensor_id  text not null,
    changed_at timestamptz not null default clock_timestamp()
);
create index sensor_binding_changes_at_idx on sensor_binding_changes (changed_at);

create or replace function sensor_bindings_log_change() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into sensor_binding_changes (sensor_id) values (old.sensor_id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.sensor_id <> old.sensor_id) then
        insert into sensor_binding_changes (sensor_id) values (new.sensor_id);
    end if;
    return null;
end $$;
create trigger sensor_bindings_log_change after insert or update or delete on sensor_bindings
    for each row execute function sensor_bindings_log_change();

-- Bindings whose history the refresh has rolled up (made, or moved/closed as of
-- seen_updated_at), and calibrations whose hours it recomputed: the watermark lags the
-- job's start, and without these a binding or calibration of the last minutes would count
-- as new again on the next cycle (recomputing a fleet's whole history twice).
create table monitor_bindings_seen (
    binding_id      bigint primary key references sensor_bindings (id) on delete cascade,
    seen_updated_at timestamptz not null
);
alter table sensor_light_calibration add column if not exists rolled_up_at timestamptz;
