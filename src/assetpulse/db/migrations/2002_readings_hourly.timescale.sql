-- Monitor on TimescaleDB: a continuous aggregate of the raw readings per sensor-hour
-- (samples, on-share, light and temperature), for dashboards and quick checks. Usage per
-- card-hour (usage_hourly, 2001) still comes from the refresh job on both paths: it needs
-- the sensor→card bindings and interval logic (counter deltas, states held across hours)
-- that a continuous aggregate cannot express. On plain PostgreSQL this file does not run.
create materialized view readings_hourly
with (timescaledb.continuous) as
select sensor_id,
       time_bucket(interval '1 hour', t) as hour,
       count(*) as samples,
       avg(case when on_state then 1.0 else 0.0 end) filter (where on_state is not null) as on_share,
       avg(lux) as lux_mean,
       avg(temp_c) as temp_mean,
       max(temp_c) as temp_max
from readings
where flags & 1 = 0
group by sensor_id, time_bucket(interval '1 hour', t)
with no data;

select add_continuous_aggregate_policy('readings_hourly',
    start_offset => interval '3 days', end_offset => interval '1 hour',
    schedule_interval => interval '15 minutes');
