"""The maximum reading age is a setting (ASSETPULSE_INGEST_MAX_READING_AGE_DAYS): validated
on load, handed to the decoder by the ingest command, and the decoder's limit."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assetpulse.ingest.cli import build_config
from assetpulse.ingest.decode import decode_reading
from assetpulse.ingest.model import DAY_MS, BadReading, Reading, Reason
from assetpulse.settings import Settings
from tests.fix_ingest import NOW_MS, temp

ENV = "ASSETPULSE_INGEST_MAX_READING_AGE_DAYS"


def _settings(monkeypatch: pytest.MonkeyPatch, days: str | None) -> Settings:
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", "postgresql://db.invalid/x")
    monkeypatch.setenv("ASSETPULSE_MQTT_URL", "mqtt://broker.invalid:1883")
    if days is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, days)
    return Settings()


@pytest.mark.parametrize("days", ["0", "-5", "3651", "ninety"])
def test_max_reading_age_setting_when_out_of_range_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    with pytest.raises(ValidationError) as info:
        _settings(monkeypatch, days)
    assert "ingest_max_reading_age_days" in str(info.value)


def test_max_reading_age_setting_when_unset_is_390_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = build_config(_settings(monkeypatch, None))
    assert config.limits.max_age_ms == 390 * DAY_MS


def test_max_reading_age_setting_when_changed_moves_the_decoders_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = build_config(_settings(monkeypatch, "30")).limits
    assert limits.max_age_ms == 30 * DAY_MS
    older = decode_reading(
        temp("S-1", NOW_MS - 31 * DAY_MS, 20.0), "GW-1", index=0, now_ms=NOW_MS, limits=limits
    )
    younger = decode_reading(
        temp("S-1", NOW_MS - 29 * DAY_MS, 20.0), "GW-1", index=1, now_ms=NOW_MS, limits=limits
    )
    assert isinstance(older, BadReading)
    assert older.reason is Reason.TIME_TOO_OLD
    assert isinstance(younger, Reading)
    assert younger.temp_c == 20.0
    # with the default (390 days) the 31-day-old reading is fine: the setting decided
    default = build_config(_settings(monkeypatch, None)).limits
    again = decode_reading(
        temp("S-1", NOW_MS - 31 * DAY_MS, 20.0), "GW-1", index=0, now_ms=NOW_MS, limits=default
    )
    assert isinstance(again, Reading)


def test_decode_reading_when_gateway_id_is_bad_dead_letters_it_as_bad_gateway() -> None:
    out = decode_reading(temp("S-1", NOW_MS, 20.0), "no spaces allowed", index=7, now_ms=NOW_MS)
    assert isinstance(out, BadReading)
    assert (out.reason, out.index) == (Reason.BAD_GATEWAY, 7)
