"""HTTP adapters of the monitor (routes under /api/v1): suggestions, usage, sensor health."""
