"""``assetpulse import-readings`` on the real database: a logger export (real UCI rows) goes
through the MQTT rules, dedup and dead letters; bad files are refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from click.testing import CliRunner

from assetpulse.cli import main
from assetpulse.ingest.backfill.errors import BackfillError
from assetpulse.ingest.backfill.importer import import_readings
from assetpulse.ingest.decode import decode
from assetpulse.ingest.model import DAY_MS, Limits, Received
from assetpulse.ingest.store import ReadingStore
from assetpulse.monitor.db.refresh import refresh_rollups
from tests.fix_ingest import envelope, photo, temp, up_topic
from tests.fix_monitor import MonitorWorld
from tests.integration.ingest.backfill_slice import (
    GATEWAY,
    HEADING,
    HISTORY_DAYS,
    PHOTO,
    TEMP,
    Sample,
    export_rows,
    uci_samples,
    write_csv,
    write_xlsx,
)

READINGS = "select sensor_id, (extract(epoch from t) * 1000)::bigint, lux, temp_c from readings"
DEAD = "select reason, reading_index, gateway_id, topic from ingest_dead_letters order by id"


def _stored(db: psycopg.Connection[Any]) -> dict[tuple[str, int], tuple[float | None, ...]]:
    return {(s, int(t)): (lux, c) for s, t, lux, c in db.execute(READINGS)}


def _expected(samples: list[Sample]) -> dict[tuple[str, int], tuple[float | None, ...]]:
    out: dict[tuple[str, int], tuple[float | None, ...]] = {}
    for s in samples:
        out[(PHOTO, s.t_ms)] = (pytest.approx(s.lux), None)
        out[(TEMP, s.t_ms)] = (None, pytest.approx(s.temp_c))
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_uci_slice_stores_every_row_once_with_its_values(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path, fmt: str
) -> None:
    samples = uci_samples(200)
    rows = export_rows(samples)
    write = write_csv if fmt == "csv" else write_xlsx
    path = write(tmp_path / f"logger.{fmt}", rows)
    report = import_readings(path, db_url, max_age_days=HISTORY_DAYS)
    assert (report.rows, report.stored, report.duplicates, report.dead_lettered) == (400, 400, 0, 0)
    # the two sensors are bound to no card: stored, and listed for an operator to bind
    assert report.quarantined == 400
    assert _stored(db) == _expected(samples)
    unbound = db.execute("select sensor_id, gateway_id, readings from unbound_sensors order by 1")
    assert unbound.fetchall() == [(PHOTO, GATEWAY, 200), (TEMP, GATEWAY, 200)]
    # no MQTT message came: the gateway's message sequence (gap counting) is untouched
    assert db.execute("select count(*) from ingest_seq_blocks").fetchone() == (0,)


def test_import_same_file_twice_stores_nothing_twice(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path
) -> None:
    samples = uci_samples(200)
    rows = export_rows(samples)
    rows[10][4] = -5.0  # a negative lux: dead-lettered
    rows.append(rows[0])  # a row repeated in the file itself
    path = write_csv(tmp_path / "logger.csv", rows)
    # small chunks: the repeated row and the second import meet rows of earlier chunks
    first = import_readings(path, db_url, max_age_days=HISTORY_DAYS, chunk_rows=37)
    again = import_readings(path, db_url, max_age_days=HISTORY_DAYS, chunk_rows=37)
    assert (first.rows, first.stored, first.duplicates, first.dead_lettered) == (401, 399, 1, 1)
    assert (again.rows, again.stored, again.duplicates, again.dead_lettered) == (401, 0, 400, 0)
    assert again.already_dead_lettered == 1
    assert db.execute("select count(*) from readings").fetchone() == (399,)
    assert db.execute("select count(*) from ingest_dead_letters").fetchone() == (1,)


def test_import_bad_row_goes_to_dead_letters_with_its_row_number(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path
) -> None:
    samples = uci_samples(200)
    rows = export_rows(samples)
    rows[41][5] = 250.0  # data row 42 = sheet row 43 (the heading is row 1): a 250 °C office
    rows[99][1] = "bad sensor id"  # sheet row 101
    path = write_csv(tmp_path / "logger.csv", rows)
    report = import_readings(path, db_url, max_age_days=HISTORY_DAYS)
    assert (report.stored, report.dead_lettered) == (398, 2)
    assert {k: (v.count, v.rows) for k, v in report.dead.items()} == {
        "out_of_range": (1, [43]),
        "bad_sensor": (1, [101]),
    }
    dead = db.execute(DEAD).fetchall()
    topic = report.topic
    assert topic.startswith("import:sha256:")
    assert [d[:3] for d in dead] == [("out_of_range", 43, GATEWAY), ("bad_sensor", 101, GATEWAY)]
    assert {d[3] for d in dead} == {topic}
    payload = db.execute("select payload, detail from ingest_dead_letters where reading_index = 43")
    raw, detail = payload.fetchone()  # type: ignore[misc]
    assert orjson.loads(raw) == {"s": TEMP, "k": "temp", "t": samples[20].time, "c": 250.0}
    assert detail.startswith("logger.csv row 43: ")
    # its neighbours are stored, the bad row's sensor/time is not
    stored = _stored(db)
    assert (TEMP, samples[20].t_ms) not in stored
    assert (PHOTO, samples[20].t_ms) in stored


def test_import_row_for_sensor_of_another_gateway_is_dead_lettered_with_row_number(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path
) -> None:
    # the temperature sensor is registered to another gateway (issue 15's ownership rule)
    db.execute(
        "insert into sensors (sensor_id, kind, gateway_id) values (%s, 'temp', 'GW-X')", (TEMP,)
    )
    path = write_csv(tmp_path / "logger.csv", export_rows(uci_samples(20)))
    report = import_readings(path, db_url, max_age_days=HISTORY_DAYS)
    assert (report.rows, report.stored, report.dead_lettered) == (40, 20, 20)
    mismatch = report.dead["sensor_gateway_mismatch"]
    assert (mismatch.count, mismatch.rows) == (20, [3, 5, 7, 9, 11, 13, 15, 17, 19, 21])
    dead = db.execute(
        "select reading_index from ingest_dead_letters where reason = 'sensor_gateway_mismatch'"
        " order by 1"
    ).fetchall()
    assert [r[0] for r in dead] == list(range(3, 42, 2))


def test_import_history_older_than_setting_needs_max_age_days_option(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", db_url)
    monkeypatch.delenv("ASSETPULSE_INGEST_MAX_READING_AGE_DAYS", raising=False)
    path = write_csv(tmp_path / "logger.csv", export_rows(uci_samples(20)))
    runner = CliRunner()
    plain = runner.invoke(main, ["import-readings", str(path), "--json"])
    assert plain.exit_code == 0, plain.output
    out = json.loads(plain.output)
    assert (out["stored"], out["max_age_days"]) == (0, 390)
    assert out["dead"]["time_too_old"]["count"] == 40
    assert out["dead"]["time_too_old"]["rows"][:3] == [2, 3, 4]
    history = runner.invoke(
        main, ["import-readings", str(path), "--json", "--max-age-days", str(HISTORY_DAYS)]
    )
    assert history.exit_code == 0, history.output
    out = json.loads(history.output)
    assert (out["stored"], out["dead_lettered"], out["already_dead_lettered"]) == (40, 0, 0)
    assert db.execute("select count(*) from readings").fetchone() == (40,)
    text = runner.invoke(main, ["import-readings", str(path), "--max-age-days", "20000"])
    assert "已存在（重复）40 条" in text.output


def _bad_columns(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    return ["gateway_id", "sensor_id", "time", "kind", "lux", "temp_c"], rows


def _bad_time(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    rows[150][2] = "2015-02-04 19:06:00"  # no offset: whose local time?
    return HEADING, rows


def _bad_kind(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    rows[7][3] = "humidity"
    return HEADING, rows


@pytest.mark.parametrize(
    ("spoil", "code", "says"),
    [
        (_bad_columns, "IMPORT_BAD_COLUMNS", "未知的列 'temp_c'"),
        (_bad_time, "IMPORT_BAD_TIME", "第 152 行"),
        (_bad_kind, "IMPORT_BAD_KIND", "第 9 行"),
    ],
)
def test_import_bad_file_is_refused_with_code_and_stores_nothing(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path, spoil: Any, code: str, says: str
) -> None:
    heading, rows = spoil(export_rows(uci_samples(100)))
    for path in (
        write_csv(tmp_path / "logger.csv", rows, heading),
        write_xlsx(tmp_path / "logger.xlsx", rows, heading),
    ):
        with pytest.raises(BackfillError) as info:
            import_readings(path, db_url, max_age_days=HISTORY_DAYS)
        assert info.value.code == code, path.name
        assert says in info.value.message, path.name
    assert db.execute("select count(*) from readings").fetchone() == (0,)
    assert db.execute("select count(*) from ingest_dead_letters").fetchone() == (0,)
    assert db.execute("select count(*) from unbound_sensors").fetchone() == (0,)


def test_import_bad_file_from_command_line_prints_code_in_chinese_and_exits_2(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", db_url)
    path = tmp_path / "logger.txt"
    path.write_text("gateway_id,sensor_id,time,kind,c\n")
    done = CliRunner().invoke(main, ["import-readings", str(path)])
    assert done.exit_code == 2
    assert "IMPORT_UNSUPPORTED_FORMAT" in done.output
    assert "只支持 .csv 和 .xlsx" in done.output


def test_import_documented_sample_file_stores_its_rows(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    sample = Path(__file__).parents[3] / "docs" / "telemetry-import-sample.csv"
    # a caller's connection names the database (the import commits on its own)
    report = import_readings(sample, db, max_age_days=HISTORY_DAYS)
    assert (report.rows, report.stored, report.dead_lettered) == (6, 6, 0)
    kinds = db.execute("select kind, count(*) from readings group by kind order by kind")
    assert kinds.fetchall() == [(1, 2), (2, 2), (3, 2)]


def test_import_readings_reach_the_rollup_like_the_same_readings_over_mqtt(
    db: psycopg.Connection[Any], db_url: str, tmp_path: Path, monitor_world: MonitorWorld
) -> None:
    samples = uci_samples(200)
    since = datetime(2015, 2, 1, tzinfo=UTC)
    category = db.execute("select code from categories order by code limit 1").fetchone()
    assert category is not None
    imported = monitor_world.card("imported room", category[0])
    sent = monitor_world.card("mqtt room", category[0])
    monitor_world.bind("IMP-PH", "photo", imported, since)
    monitor_world.bind("IMP-TM", "temp", imported, since)
    monitor_world.bind("MQ-PH", "photo", sent, since)
    monitor_world.bind("MQ-TM", "temp", sent, since)
    path = write_csv(tmp_path / "logger.csv", export_rows(samples, photo="IMP-PH", temp="IMP-TM"))
    report = import_readings(path, db_url, max_age_days=HISTORY_DAYS)
    assert (report.stored, report.quarantined) == (400, 0)  # bound: not listed as unbound
    # the same readings as one gateway would send them, through decoder and store
    now = int(datetime.now(UTC).timestamp() * 1000)
    store = ReadingStore(db_url)
    try:
        for seq, start in enumerate(range(0, len(samples), 50)):
            part = samples[start : start + 50]
            readings = [photo("MQ-PH", s.t_ms, lux=s.lux) for s in part]
            readings += [temp("MQ-TM", s.t_ms, s.temp_c) for s in part]
            raw = orjson.dumps(envelope("MQ-GW", seq, readings))
            limits = Limits(max_age_ms=HISTORY_DAYS * DAY_MS)
            decoded = decode(raw, up_topic("MQ-GW"), now_ms=now, limits=limits)
            store.write([Received(up_topic("MQ-GW"), raw, now, decoded)])
    finally:
        store.close()
    refresh_rollups(db, lag=timedelta(0))
    # every column but the card and the refresh time, whatever the rollup grows
    rollup = (
        "select to_jsonb(u) - 'card_id' - 'refreshed_at' from usage_hourly u"
        " where card_id = %s order by hour"
    )
    by_import = [r[0] for r in db.execute(rollup, (imported,)).fetchall()]
    by_mqtt = [r[0] for r in db.execute(rollup, (sent,)).fetchall()]
    assert len(by_import) >= 3  # 200 minutes from 17:51 touch four hours
    assert sum(r["samples"] for r in by_import) >= 400
    assert by_import == by_mqtt


def test_import_when_database_unreachable_says_so_after_checking_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "logger.csv", export_rows(uci_samples(5)))
    with pytest.raises(BackfillError) as info:
        import_readings(path, "postgresql://127.0.0.1:1/nowhere", max_age_days=HISTORY_DAYS)
    assert info.value.code == "IMPORT_DATABASE_UNAVAILABLE"
    assert "未写入任何行" in info.value.message
