"""The ingest part (遥测入库): MQTT telemetry from sensor gateways into PostgreSQL.

The pure core (``decode``, ``model``, ``seqbits``) is re-exported here; the adapters
(``source`` for MQTT, ``store`` for PostgreSQL, ``worker``, ``cli``) are imported where used,
so that ``import assetpulse.ingest`` loads neither paho nor psycopg.
"""

from assetpulse.ingest.decode import decode, parse_topic
from assetpulse.ingest.errors import IngestError
from assetpulse.ingest.model import (
    BadReading,
    Batch,
    DeadMessage,
    Decoded,
    Kind,
    Limits,
    Reading,
    Reason,
    Received,
    StateChange,
    WriteResult,
)

__all__ = [
    "BadReading",
    "Batch",
    "DeadMessage",
    "Decoded",
    "IngestError",
    "Kind",
    "Limits",
    "Reading",
    "Reason",
    "Received",
    "StateChange",
    "WriteResult",
    "decode",
    "parse_topic",
]
