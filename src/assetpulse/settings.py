"""Settings of every service, read from ``ASSETPULSE_*`` environment variables.

Built once by the CLI or the app factory and passed down; nothing reads the environment at
import time, so ``import assetpulse.<part>`` works with an empty environment.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_READING_AGE_DAYS_LIMIT = 3650


class Settings(BaseSettings):
    """One settings object for all parts; each service reads the fields it needs."""

    model_config = SettingsConfigDict(env_prefix="ASSETPULSE_", extra="ignore")

    # --- shared ---
    database_url: str | None = Field(
        default=None,
        description="libpq URL; empty means `assetpulse run` starts an embedded PostgreSQL",
    )
    mqtt_url: str | None = Field(
        default=None,
        description="mqtt://user:pass@host:port; empty means `assetpulse run` starts a broker",
    )
    nats_url: str | None = Field(
        default=None,
        description=(
            "nats://host:port of the durable broker (nats-server with JetStream and its MQTT"
            " gateway): ingest reads the JetStream consumer there and mqtt_url is where"
            " gateways publish; empty: ingest subscribes at mqtt_url (Mosquitto)"
        ),
    )
    log_level: str = "INFO"
    log_json: bool = Field(default=False, description="JSON log lines (production) or console")
    data_dir: str = Field(default="var", description="where embedded services keep their files")
    # photos and attachments (objects/): bytes by their sha256, metadata in PostgreSQL
    objects_backend: Literal["local", "s3"] = Field(
        default="local", description="local: a directory (objects_dir); s3: an S3-compatible bucket"
    )
    objects_dir: str | None = Field(
        default=None,
        description="the local store's folder, shared by the API workers; empty: data_dir/objects",
    )
    objects_s3_endpoint: str | None = Field(
        default=None, description="host:port of the S3-compatible server (no scheme)"
    )
    objects_s3_bucket: str = Field(default="assetpulse", min_length=3, max_length=63)
    objects_s3_prefix: str = Field(default="objects/", description="object names start with it")
    objects_s3_region: str | None = None
    objects_s3_secure: bool = Field(default=True, description="HTTPS to the endpoint")
    objects_s3_access_key: str | None = None
    objects_s3_secret_key: SecretStr | None = None

    # --- ingest ---
    ingest_group: str = Field(default="ingest", description="MQTT shared-subscription group")
    ingest_client_id: str = Field(default="", description="empty: derived from host and pid")
    ingest_batch_rows: int = Field(default=5000, ge=1)
    ingest_batch_ms: int = Field(default=200, ge=1)
    ingest_max_inflight: int = Field(
        default=1000, ge=1, description="unacknowledged messages held before reading stops"
    )
    ingest_max_message_bytes: int = Field(default=1_048_576, ge=1024)
    ingest_max_inflight_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=4 * 1024 * 1024,  # at least a few messages of the broker's largest size
        description="payload bytes held unacknowledged before reading stops",
    )
    ingest_ack_wait_s: int = Field(
        default=30,
        ge=3,
        description="JetStream: what a dead worker held goes to another worker after this",
    )
    ingest_new_sensors_per_gateway_hour: int = Field(
        default=1000,
        ge=0,
        description="new unbound sensor ids one gateway may bring per hour; more: dead letters",
    )
    ingest_dead_letter_days: int = Field(
        default=90, ge=1, description="dead letters older than this many days are deleted"
    )
    ingest_clock_skew_s: int = Field(default=300, ge=0, description="future tolerance")
    # capped at ten years: a gateway without a real-time clock that boots into 1970 or
    # 2000 sends nonsense, not history (docs/telemetry.md; a logger's older history goes
    # in with `assetpulse import-readings --max-age-days`)
    ingest_max_reading_age_days: int = Field(
        default=390,
        ge=1,
        le=MAX_READING_AGE_DAYS_LIMIT,
        description="readings older than this many days are dead-lettered (time_too_old)",
    )
    ingest_metrics_port: int = Field(default=9108, ge=0, le=65535)

    # --- api ---
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=0, le=65535)
    jwt_secret: SecretStr = Field(
        default=SecretStr("change-me-in-production"),
        description=(
            "HMAC key for bearer tokens, at least 32 bytes; the API refuses to start with"
            " this default or a shorter key (`assetpulse run` generates one under data_dir)"
        ),
    )
    token_minutes: int = Field(default=8 * 60, ge=1)
    login_failures_per_account: str = Field(
        default="10/15 minutes",
        description="failed logins of one username before it is refused for a while",
    )
    login_failures_per_address: str = Field(
        default="50/15 minutes",
        description="failed logins from one client address (many users share a NAT)",
    )
    api_docs: bool = Field(
        default=False,
        description="serve /docs and /openapi.json (`assetpulse run` turns it on)",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="bearer token /metrics asks for; empty: /metrics is not served by the API",
    )
    max_request_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, description="largest request body the API reads"
    )
    # MOF exchange keys (Ed25519; docs/mof-exchange.md): "base64:<raw 32 bytes>" or a PEM path
    mof_signing_key: SecretStr | None = Field(
        default=None,
        description="this province's private key that signs report batches (empty: none built)",
    )
    mof_verify_keys: str | None = Field(
        default=None,
        description="MOF's public keys, comma-separated: feedback and national files must verify",
    )

    # --- monitor ---
    site_lat: float = Field(
        default=20.04, ge=-90, le=90, description="latitude of sensors with none of their own"
    )
    site_lon: float = Field(
        default=110.34, ge=-180, le=180, description="longitude (default: Haikou, Hainan)"
    )
    # each asset's analysis window is its rule's window_days in the rules file (no setting
    # overrides what finance staff reviewed; `assetpulse analyse --window-days` for replays)
    idle_rules_path: str | None = Field(
        default=None, description="TOML rules file; empty uses the packaged rules"
    )
    analyser_every_s: float = Field(
        default=0,
        ge=0,
        description="`assetpulse analyse` runs every this many seconds and stays up; 0: once",
    )
    analyser_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="processes of one `assetpulse analyse` run (its --workers when not given)",
    )
    analyser_health_port: int = Field(
        default=0, ge=0, le=65535, description="the scheduled analyser's /health and /metrics"
    )
