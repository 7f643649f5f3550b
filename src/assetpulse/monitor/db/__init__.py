"""PostgreSQL adapters of the monitor: the rollup refresh job, the analysis run, the
suggestion store and sensor health queries."""
