"""The FastAPI application: every part's router under ``/api/v1``, pages, health, metrics."""

from assetpulse.platform.api.app import create_app

__all__ = ["create_app"]
