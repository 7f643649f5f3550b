"""Stores an analysis's suggestions (建议入库) following the lifecycle in ``suggestions``.

One transaction per analysis: open suggestions are refreshed or superseded and new ones
inserted together, so the list users see is never half of one run and half of another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
import psycopg
from psycopg.types.json import Jsonb

from assetpulse.monitor.core.features import FEATURE_COLUMNS
from assetpulse.monitor.core.suggestions import HISTORY_SCHEMA, plan

LATEST_PER_CARD = """
select distinct on (card_id) id, card_id, state, verdict, metric_value, snooze_until
from suggestions where card_id between %s and %s order by card_id, created_at desc, id desc
"""
ALL_CARDS = (-(2**63), 2**63 - 1)
INSERT_SUGGESTION = """
insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric, metric_value,
    evidence, evidence_zh, evidence_en, window_from, window_to)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
REFRESH_SUGGESTION = """
update suggestions set verdict = %s, action = %s, rule = %s, score = %s, metric = %s,
    metric_value = %s, evidence = %s, evidence_zh = %s, evidence_en = %s,
    window_from = %s, window_to = %s, updated_at = now()
where id = %s and state = 'new'
"""
SUPERSEDE = """
update suggestions set state = 'superseded', updated_at = now()
where id = any(%s) and state = 'new'
"""
NOW = "select now()"


def _verdict_fields(r: dict[str, Any], window_from: Any, window_to: Any) -> tuple[Any, ...]:
    """The columns a new suggestion and a refreshed one share, in statement order. A row's
    own ``window_from`` (its rule's window) wins over the analysis's."""
    window_from = r.get("window_from") or window_from
    return (
        r["verdict"],
        r["action"],
        r["rule"],
        float(r["score"]),
        r["metric"],
        float(r["metric_value"]),
        _evidence(r),
        r["evidence_zh"],
        r["evidence_en"],
        window_from,
        window_to,
    )


def _evidence(row: dict[str, Any]) -> Jsonb:
    """The features the verdict read, and its trace: which rule on which metric against
    which bar, from which sensors (the signal that carried the usage, and any that were
    silent), so a reviewer can check every number."""
    facts = {k: row.get(k) for k in FEATURE_COLUMNS if k != "card_id"}
    facts["threshold"] = row.get("threshold")
    facts["trace"] = {
        "rule": row.get("rule"),
        "metric": row.get("metric"),
        "metric_value": row.get("metric_value"),
        "threshold": row.get("threshold"),
        "signal": row.get("carrier"),
        "sensors": list(row.get("sensors") or []),
        "silent_sensors": list(row.get("silent_sensors") or []),
    }
    return Jsonb({k: round(v, 4) if isinstance(v, float) else v for k, v in facts.items()})


def store_suggestions(
    conn: psycopg.Connection[Any],
    detail: pl.DataFrame,
    *,
    window_from: datetime,
    window_to: datetime,
    cards: tuple[int, int] | None = None,
) -> dict[str, int]:
    """Apply the lifecycle to this analysis, of the cards with ids in ``cards`` only when
    given (a slice: other cards' suggestions are another slice's); returns counts of new,
    refreshed, superseded."""
    with conn.transaction():
        conn.execute("lock table suggestions in share row exclusive mode")
        now = conn.execute(NOW).fetchone()[0]  # type: ignore[index]
        history = pl.DataFrame(
            conn.execute(LATEST_PER_CARD, cards or ALL_CARDS).fetchall(),
            schema=HISTORY_SCHEMA,
            orient="row",
        )
        p = plan(detail, history, now)
        with conn.cursor() as cur:
            if p.supersede:
                cur.execute(SUPERSEDE, (p.supersede,))
            cur.executemany(
                INSERT_SUGGESTION,
                [
                    (r["card_id"], r["unit_id"], *_verdict_fields(r, window_from, window_to))
                    for r in p.insert.iter_rows(named=True)
                ],
            )
            cur.executemany(
                REFRESH_SUGGESTION,
                [
                    (*_verdict_fields(r, window_from, window_to), r["suggestion_id"])
                    for r in p.refresh.iter_rows(named=True)
                ],
            )
    return {"new": p.insert.height, "refreshed": p.refresh.height, "superseded": len(p.supersede)}
