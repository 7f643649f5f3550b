"""An app factory that reads settings from the environment, for ``uvicorn --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from assetpulse.platform.api.app import create_app
from assetpulse.settings import Settings


def app_from_env() -> FastAPI:
    return create_app(Settings())
