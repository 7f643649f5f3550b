-- Monitor on real sensors (issue 11): coverage per signal, movement per hour, where the
-- asset was, the place of each sensor (for the sun) and each light meter's own calibration.

-- Coverage per signal that carries usage: a dead light meter beside a live thermometer is
-- photo_coverage 0, temp_coverage 1 — "insufficient data", never idle. NULL: no sensor of
-- that kind reported in the hour.
alter table usage_hourly add column if not exists photo_coverage real
    check (photo_coverage between 0 and 1);
alter table usage_hourly add column if not exists temp_coverage real
    check (temp_coverage between 0 and 1);
alter table usage_hourly add column if not exists loc_coverage real
    check (loc_coverage between 0 and 1);
-- seconds moving (stay-point detection) and the last position seen in the hour
alter table usage_hourly add column if not exists moving_s real not null default 0
    check (moving_s between 0 and 3600);
alter table usage_hourly add column if not exists lat double precision;
alter table usage_hourly add column if not exists lon double precision;

-- Where a sensor is, for sunrise and sunset: set at registration, else the deployment's
-- site (ASSETPULSE_SITE_LAT / _LON).
alter table sensors add column if not exists lat double precision check (lat between -90 and 90);
alter table sensors add column if not exists lon double precision check (lon between -180 and 180);

-- Per light meter, learned from its own unlabeled history (monitor.core.detectors.light):
-- its dark floor, noise, lamp steps and sample period. A change recomputes its hours.
create table if not exists sensor_light_calibration (
    sensor_id  text primary key references sensors (sensor_id),
    floor      real not null,
    noise      real not null,
    levels     real[] not null default '{}',
    sway       real[] not null default '{}',  -- daylight's own swing per brightness class
    period_s   real not null,
    dark_steps integer not null default 0,
    samples    bigint not null default 0,
    learned_from timestamptz not null,
    learned_to   timestamptz not null,
    updated_at timestamptz not null default now()
);

-- A binding closed or moved after the fact (back-dated) changes which card its readings
-- count for: the refresh job recomputes the hours of bindings changed since its watermark.
alter table sensor_bindings add column if not exists updated_at timestamptz not null default now();
create or replace function sensor_bindings_touch() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end $$;
drop trigger if exists sensor_bindings_touch on sensor_bindings;
create trigger sensor_bindings_touch before update on sensor_bindings
    for each row execute function sensor_bindings_touch();

-- Whether a light meter's new calibration changes what it detects: another number of
-- lamps, a lamp step off by more than 10 %, or the floor off by more than 5 lux.
create or replace function calibration_changed(old_levels real[], new_levels real[],
                                               old_floor real, new_floor real)
returns boolean language sql immutable as $$
    select coalesce(array_length(old_levels, 1), 0) <> coalesce(array_length(new_levels, 1), 0)
        or abs(old_floor - new_floor) > 5
        or exists (select 1 from unnest(old_levels, new_levels) as x(o, n)
                   where abs(o - n) > 0.1 * greatest(o, n))
$$;
