-- Monitor day summaries (issue 12): per sensor and UTC day, the histograms the baselines
-- and a light meter's calibration take their quantiles from, and the meter's candidate
-- lamp steps (monitor.core.day_stats). The day's first run summarises only the days it has
-- not summarised yet and learns from the stored ones, instead of fetching fourteen days
-- of raw readings per sensor; a day still running (complete = false) is summarised again.
create table if not exists sensor_day_stats (
    sensor_id text not null references sensors (sensor_id) on delete cascade,
    day       date not null,
    complete  boolean not null,
    -- parallel arrays: which quantity (day_stats' stat codes), value code, count
    stats     smallint[] not null,
    codes     integer[] not null,
    counts    integer[] not null,
    summarised_at timestamptz not null default now(),
    primary key (sensor_id, day)
);
create table if not exists sensor_day_steps (
    sensor_id    text not null references sensors (sensor_id) on delete cascade,
    day          date not null,
    t            timestamptz not null,
    step         double precision not null,
    step_end_lux double precision,
    step_holds   boolean,
    step_dark    boolean,
    primary key (sensor_id, t)
);
create index if not exists sensor_day_steps_day_idx on sensor_day_steps (sensor_id, day);
