"""Backfill (历史数据补录): a logger's export (CSV or XLSX) into ``readings``.

One row per reading, checked by the decoder's own rules (``decode.decode_reading``) and
written by the ingest store (``store.ReadingStore``), so a row is stored, counted as a
duplicate or dead-lettered exactly as the same reading sent over MQTT would be. The file
format is section 6 of ``docs/telemetry.md``.

- ``rows``: the pure core: columns, cell conversion, the report (no I/O)
- ``files``: streams the rows of a CSV or XLSX file (bounded memory)
- ``importer``: ``import_readings(path, conninfo, …)``, the function behind the command
- ``cli``: ``assetpulse import-readings FILE``

Nothing is imported here, so that importing ``backfill.rows`` loads no database driver.
"""
