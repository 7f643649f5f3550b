"""The firmware_sim part (模拟网关): simulated gateways and sensors with realistic use and faults.

The core (``spec``, ``catalog``, ``usage``, ``signals``, ``sky``, ``gps``, ``honest``,
``fleet``, ``stream``, ``payload``) is pure and deterministic; ``register`` (PostgreSQL) and
``publisher`` (MQTT) are the adapters, ``cli`` the ``assetpulse sim`` command.
"""

from assetpulse.firmware_sim.catalog import PROFILES, Kind, Verdict
from assetpulse.firmware_sim.fleet import Asset, Fleet
from assetpulse.firmware_sim.signals import SensorInfo
from assetpulse.firmware_sim.spec import (
    DEFAULT_START,
    FaultSpec,
    FleetSpec,
    HonestSpec,
    Realism,
    SimError,
)
from assetpulse.firmware_sim.stream import Accounting, MessageStream, SimMessage

__all__ = [
    "DEFAULT_START",
    "PROFILES",
    "Accounting",
    "Asset",
    "FaultSpec",
    "Fleet",
    "FleetSpec",
    "HonestSpec",
    "Kind",
    "MessageStream",
    "Realism",
    "SensorInfo",
    "SimError",
    "SimMessage",
    "Verdict",
]
