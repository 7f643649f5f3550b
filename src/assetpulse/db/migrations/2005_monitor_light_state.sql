-- Monitor incremental light state (issue 12): where each light meter's lamp walk stood at
-- the start of each recent hour, so that a 5-minute cycle goes on from there over the
-- readings since instead of walking again from the previous night (~30 h a meter).
-- Written only once final (the meter's readings reach two step spans past it); valid while
-- its meter's calibration has not changed since (computed_at >= updated_at); hours older
-- than two days are dropped as newer ones are written.
create table if not exists sensor_light_state (
    sensor_id   text not null references sensors (sensor_id) on delete cascade,
    hour        timestamptz not null,    -- the state after the meter's last reading before it
    t_prev      timestamptz not null,    -- the reading kept before that one, and its level
    lux_prev    double precision not null,
    t           timestamptz not null,
    lux         double precision not null,
    lamp_lux    double precision not null,   -- the lamp light the walk had reached
    computed_at timestamptz not null default now(),
    primary key (sensor_id, hour)
);
