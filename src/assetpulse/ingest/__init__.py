"""The ingest part."""
