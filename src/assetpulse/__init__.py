"""AssetPulse: usage-aware asset adjustment and sharing (资产调剂共享) for public institutions.

Parts: ``ingest`` (MQTT telemetry into PostgreSQL), ``monitor`` (usage analysis and idle
suggestions), ``inventory`` (asset cards, card changes, stocktaking, code scanning),
``platform`` (the share/adjust workflow, REST API and pages), ``firmware_sim`` (simulated
gateways). Shared pieces: ``settings``, ``logs``, ``db`` (pool and migrations), ``org``
(regions, units, users, authentication) and ``cli``.
"""

__version__ = "0.1.0"
