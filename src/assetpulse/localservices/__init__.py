"""Private PostgreSQL, Mosquitto and nats-server processes on free ports.

Used by ``assetpulse run`` on embedded defaults, by the test session (fault tests kill and
restart them) and by the benchmarks. Not for production: there the compose file runs the
real services.
"""

from assetpulse.localservices.mosquitto import MosquittoProcess
from assetpulse.localservices.nats import NatsProcess
from assetpulse.localservices.ports import free_port
from assetpulse.localservices.postgres import (
    PostgresProcess,
    find_postgres_bindir,
    has_timescaledb,
    postgres_from,
)

__all__ = [
    "MosquittoProcess",
    "NatsProcess",
    "PostgresProcess",
    "find_postgres_bindir",
    "free_port",
    "has_timescaledb",
    "postgres_from",
]
