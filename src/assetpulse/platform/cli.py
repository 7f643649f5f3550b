"""``assetpulse api``: the REST API and the pages under uvicorn."""

from __future__ import annotations

import click

from assetpulse.logs import configure_logging
from assetpulse.org.tokens import WeakSecretError, check_signing_key
from assetpulse.settings import Settings


@click.command()
@click.option("--host", default=None, help="Bind address (default ASSETPULSE_API_HOST).")
@click.option("--port", type=int, default=None, help="Port (default ASSETPULSE_API_PORT).")
@click.option("--workers", type=int, default=1, show_default=True)
def api(host: str | None, port: int | None, workers: int) -> None:
    """Serve the API and the web pages."""
    import uvicorn

    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    try:  # before uvicorn: a clear message, not a traceback from each worker
        check_signing_key(settings.jwt_secret.get_secret_value())
    except WeakSecretError as exc:
        raise click.ClickException(str(exc)) from None
    if workers > 1:
        uvicorn.run(
            "assetpulse.platform.api.factory:app_from_env",
            factory=True,
            workers=workers,
            host=host or settings.api_host,
            port=port or settings.api_port,
            log_level="warning",
        )
        return
    from assetpulse.platform.api.factory import served_app

    uvicorn.run(
        served_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="warning",
    )
