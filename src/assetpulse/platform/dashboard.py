"""Dashboard (首页/数据看板) figures and share compensation (条例 第十八条) — pure.

The store hands over grouped counts of listings (kind, state, month listed, month done,
age bucket) for the viewer's scope; this module folds them into what the page shows:

- listings by kind and state, and the live ones by months since the month listed;
- 调剂 / 共享 completed and the yuan saved: the original value of the cards that another
  unit re-used instead of buying (adjust and share listings with a registered result);
- rates: re-use (调剂完成率), share (共享完成率) and demand fulfilment (需求满足率), each the
  done listings over those that reached the plaza (listed, done or delisted; a withdrawn
  one never stood there);
- trends by month (Beijing time) over the last ``months`` months.

Compensation: a share agreement may record a reasonable compensation to the provider,
either an amount for the period or a rate per day / month / year over it; its total is the
amount, or the rate times the period counted in whole calendar units plus the remaining
days as a fraction (30 days a month, 365 a year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

KINDS = ("adjust", "share", "demand")
STATES = ("listed", "done", "delisted", "withdrawn")
ON_PLAZA = ("listed", "done", "delisted")
# age of live listings in calendar months since the month listed: bucket i covers
# [AGE_MONTHS[i], AGE_MONTHS[i + 1]) months
AGE_MONTHS = (0, 1, 3, 6, 12, 100_000)
AGE_LABELS = ("本月上架", "1–2个月前", "3–5个月前", "6–11个月前", "一年及以上")
MONTHS_MAX = 24


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def age_bucket(listed_month: dt.date, this_month: dt.date) -> int:
    ago = max(0, month_index(this_month) - month_index(listed_month))
    return next(i for i in range(len(AGE_LABELS)) if ago < AGE_MONTHS[i + 1])


def age_months(bucket: int, this_month: dt.date) -> tuple[dt.date, dt.date]:
    """The listing months of an age bucket: [first, end) as first days of months."""
    this = month_index(this_month)
    oldest = max(month_index(dt.date.min), this - AGE_MONTHS[bucket + 1] + 1)
    return month_start(oldest), month_start(this - AGE_MONTHS[bucket] + 1)


def months_back(today: dt.date, months: int) -> list[dt.date]:
    """First days of the last ``months`` months, oldest first, ending with this month."""
    out: list[dt.date] = []
    y, m = today.year, today.month
    for _ in range(months):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def rate(done: int, total: int) -> float | None:
    return None if total <= 0 else round(done / total, 4)


def _num(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def fold(groups: list[dict[str, Any]], month_starts: list[dt.date]) -> dict[str, Any]:
    """Grouped listing counts → listings, outcomes and the monthly trend.

    A group has ``kind``, ``state``, ``listed_month`` and ``done_month`` (first day of the
    month, Beijing time; done_month None unless done), ``n``, ``value`` (sum of original
    values), ``compensation`` (sum, yuan) and ``compensated`` (how many carry one). The
    last of ``month_starts`` is the current month."""
    by_state = {k: dict.fromkeys(STATES, 0) for k in KINDS}
    age = {k: [0] * len(AGE_LABELS) for k in KINDS}
    index = {m: i for i, m in enumerate(month_starts)}
    trend: list[dict[str, Any]] = [
        {"month": m.strftime("%Y-%m"), "published": dict.fromkeys(KINDS, 0),
         "done": dict.fromkeys(KINDS, 0), "yuan_saved": Decimal(0)}
        for m in month_starts
    ]  # fmt: skip
    saved = Decimal(0)
    compensation = Decimal(0)
    compensated = 0
    for g in groups:
        kind, state, n = g["kind"], g["state"], int(g["n"])
        if kind not in by_state or state not in by_state[kind]:
            continue
        by_state[kind][state] += n
        if state == "listed" and g.get("listed_month") is not None:
            age[kind][age_bucket(g["listed_month"], month_starts[-1])] += n
        if g.get("listed_month") in index and state != "withdrawn":
            trend[index[g["listed_month"]]]["published"][kind] += n
        if state == "done":
            value = _num(g.get("value")) if kind in ("adjust", "share") else Decimal(0)
            saved += value
            if g.get("compensation") is not None:
                compensation += _num(g["compensation"])
                compensated += int(g.get("compensated") or 0)
            if g.get("done_month") in index:
                month = trend[index[g["done_month"]]]
                month["done"][kind] += n
                month["yuan_saved"] += value
    reached = {k: sum(by_state[k][s] for s in ON_PLAZA) for k in KINDS}
    outcomes = {
        "adjust_done": by_state["adjust"]["done"],
        "share_done": by_state["share"]["done"],
        "demand_done": by_state["demand"]["done"],
        "yuan_saved": saved,
        "compensation_yuan": compensation,
        "compensated_shares": compensated,
        "reuse_rate": rate(by_state["adjust"]["done"], reached["adjust"]),
        "share_rate": rate(by_state["share"]["done"], reached["share"]),
        "demand_fulfilment": rate(by_state["demand"]["done"], reached["demand"]),
    }
    return {
        "listings": {
            "by_state": by_state,
            "age_labels": list(AGE_LABELS),
            "age": age,
        },
        "outcomes": outcomes,
        "trend": trend,
    }


# --- compensation (共享补偿) ---------------------------------------------------------

MODES = {"amount": "按金额", "rate": "按费率"}
RATE_PER = {"day": "元/天", "month": "元/月", "year": "元/年"}
CENT = Decimal("0.01")
PERIOD_DAYS_MAX = 20 * 366
YEARS = (1950, 2200)


@dataclass(frozen=True, slots=True)
class Compensation:
    mode: str  # amount | rate
    basis: str  # 补偿依据, e.g. 按折旧及维护成本分摊
    period_start: dt.date
    period_end: dt.date
    amount_yuan: Decimal | None = None
    rate_yuan: Decimal | None = None
    rate_per: str | None = None  # day | month | year


class CompensationError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def periods(start: dt.date, end: dt.date, per: str) -> Decimal:
    """How many days / months / years the period ``start``..``end`` (both included) spans."""
    stop = end + dt.timedelta(days=1)
    if per == "day":
        return Decimal((stop - start).days)
    step, frac = (1, 30) if per == "month" else (12, 365)
    whole = 0
    while _add_months(start, (whole + 1) * step) <= stop:
        whole += 1
    rest = (stop - _add_months(start, whole * step)).days
    return Decimal(whole) + Decimal(rest) / Decimal(frac)


def check(c: Compensation) -> Decimal:
    """The compensation's total in yuan; raises ``CompensationError`` when incomplete."""
    if c.mode not in MODES:
        raise CompensationError(
            "COMPENSATION_MODE",
            "请选择补偿方式：按金额（amount）或按费率（rate）。",
        )
    if not c.basis.strip():
        raise CompensationError(
            "COMPENSATION_BASIS_REQUIRED",
            "请填写补偿依据（如按折旧及维护成本分摊）。",
        )
    if not (YEARS[0] <= c.period_start.year and c.period_end.year <= YEARS[1]):
        raise CompensationError(
            "COMPENSATION_PERIOD_YEARS",
            f"补偿期间应在 {YEARS[0]} 年至 {YEARS[1]} 年之间，请检查日期。",
        )
    if c.period_end < c.period_start:
        raise CompensationError(
            "COMPENSATION_PERIOD",
            "补偿期间的结束日期不能早于开始日期。",
        )
    if (c.period_end - c.period_start).days > PERIOD_DAYS_MAX:
        raise CompensationError(
            "COMPENSATION_PERIOD_TOO_LONG",
            "补偿期间不能超过 20 年，请分期登记。",
        )
    if c.mode == "amount":
        if c.amount_yuan is None or c.amount_yuan < 0:
            raise CompensationError(
                "COMPENSATION_AMOUNT_REQUIRED",
                "按金额补偿时请填写补偿金额（元，不小于 0）。",
            )
        return c.amount_yuan.quantize(CENT, ROUND_HALF_UP)
    if c.rate_yuan is None or c.rate_yuan <= 0 or c.rate_per not in RATE_PER:
        raise CompensationError(
            "COMPENSATION_RATE_REQUIRED",
            "按费率补偿时请填写费率（元，大于 0）及计费单位（天 / 月 / 年）。",
        )
    return (c.rate_yuan * periods(c.period_start, c.period_end, c.rate_per)).quantize(
        CENT, ROUND_HALF_UP
    )


def as_result(c: Compensation) -> dict[str, Any]:
    """The compensation as stored in the share result (amounts as exact decimal text)."""
    total = check(c)
    if c.mode == "amount":
        text = f"{total} 元（{c.period_start} 至 {c.period_end}）"
    else:
        text = (f"{c.rate_yuan} {RATE_PER[c.rate_per or 'day']}，{c.period_start} 至 "
                f"{c.period_end}，合计 {total} 元")  # fmt: skip
    return {
        "mode": c.mode,
        "mode_text": MODES[c.mode],
        "amount_yuan": None if c.amount_yuan is None else str(c.amount_yuan),
        "rate_yuan": None if c.rate_yuan is None else str(c.rate_yuan),
        "rate_per": c.rate_per if c.mode == "rate" else None,
        "rate_per_text": RATE_PER.get(c.rate_per or "") if c.mode == "rate" else None,
        "basis": c.basis.strip(),
        "period_start": c.period_start.isoformat(),
        "period_end": c.period_end.isoformat(),
        "total_yuan": str(total),
        "text": f"{MODES[c.mode]}：{text}；依据：{c.basis.strip()}",
    }
