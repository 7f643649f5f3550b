"""The one PostgreSQL database: migrations and connection helpers shared by every part."""

from assetpulse.db.migrate import MigrationError, apply_migrations, timescale_available

__all__ = ["MigrationError", "apply_migrations", "timescale_available"]
