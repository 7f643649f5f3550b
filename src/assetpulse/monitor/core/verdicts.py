"""Verdicts per asset (闲置 / 低效使用 / 在用 / 数据不足) from features and the idle rules.

Vectorised: the rule of each distinct category is looked up once in Python (a few dozen
categories), then joined onto every card; thresholds, scores and the evidence sentences in
Chinese and English are polars expressions over the whole frame. An asset whose sensors
are offline or sparse gets "insufficient_data" before any threshold is looked at, so it
can never be called idle. So does a room whose light meters, with no lamp learned, cannot
tell room lighting from bright daylight (``day_blind``), unless the working hours dim
enough for people to need a lamp and for the meters to see any lamp, as at night, cover
the working time as data must cover a window (``seeable_share``, ``seeable_workdays``): it
is then judged by them, and the evidence says so.
"""

from __future__ import annotations

import polars as pl

from assetpulse.monitor.core.rules import METRICS, RuleSet

IDLE, UNDER_USED, IN_USE, INSUFFICIENT, NO_RULE = (
    "idle",
    "under_used",
    "in_use",
    "insufficient_data",
    "no_rule",
)
ACTION = {IDLE: "adjust", UNDER_USED: "share"}

VERDICT_COLUMNS = (
    "card_id",
    "verdict",
    "action",
    "rule",
    "metric",
    "metric_value",
    "threshold",
    "score",
    "evidence_zh",
    "evidence_en",
)


def rule_table(rules: RuleSet, categories: list[str]) -> pl.DataFrame:
    """category_code → the matching rule's id, metric and thresholds (null when none)."""
    rows = []
    for code in sorted(set(categories)):
        rule = rules.rule_for(code)
        if rule is None:
            continue
        zh, en, unit_zh, unit_en = METRICS[rule.metric]
        rows.append(
            {
                "category_code": code,
                "rule": rule.id,
                "rule_zh": rule.name_zh,
                "rule_en": rule.name_en,
                "metric": rule.metric,
                "metric_zh": zh,
                "metric_en": en,
                "unit_zh": unit_zh,
                "unit_en": unit_en,
                "idle_below": rule.idle_below,
                "under_used_below": rule.under_used_below,
                "norm": rule.norm,
                "window_days": rule.window_days,
            }
        )
    schema = {
        "category_code": pl.String,
        "rule": pl.String,
        "rule_zh": pl.String,
        "rule_en": pl.String,
        "metric": pl.String,
        "metric_zh": pl.String,
        "metric_en": pl.String,
        "unit_zh": pl.String,
        "unit_en": pl.String,
        "idle_below": pl.Float64,
        "under_used_below": pl.Float64,
        "norm": pl.Float64,
        "window_days": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema)


def _metric_value() -> pl.Expr:
    expr = pl.lit(None, dtype=pl.Float64)
    for name in reversed(list(METRICS)):
        expr = pl.when(pl.col("metric") == name).then(pl.col(name).cast(pl.Float64)).otherwise(expr)
    return expr


def _r(col: str, digits: int = 1) -> pl.Expr:
    return pl.col(col).cast(pl.Float64).fill_null(0.0).round(digits)


def _plain(x: pl.Expr) -> pl.Expr:
    """A number as a finance reader writes it: 1200, not 1200.0; 0.35 stays 0.35."""
    whole = x.round(0)
    return (
        pl.when(x == whole)
        .then(whole.cast(pl.Int64).cast(pl.String))
        .otherwise(x.round(2).cast(pl.String))
    )


# what room lighting gives at the working plane (EN 12464-1: 500 lx for office work): a
# light meter that by day can only tell lamps brighter than this cannot vouch for a room
# it never saw lit (``detectors.light.day_sight``)
LAMP_LUX = 500
SIGNAL_ZH = {"photo": "光照", "loc": "定位", "temp": "温度"}
SIGNAL_EN = {"photo": "light", "loc": "position", "temp": "temperature"}


def _insufficient_evidence(min_coverage: float) -> tuple[pl.Expr, pl.Expr]:
    """Why the data do not suffice: the carrying signal's coverage, and its silent meters."""
    cov = (pl.col("coverage").fill_null(0.0) * 100).round(0).cast(pl.Int64)
    need = round(min_coverage * 100)
    silent = pl.col("silent_sensors").list.join("、").fill_null("")
    silent_en = pl.col("silent_sensors").list.join(", ").fill_null("")
    has_silent = pl.col("silent_sensors").list.len().fill_null(0) > 0
    signal_zh = pl.col("carrier").replace_strict(SIGNAL_ZH, default="传感器")
    signal_en = pl.col("carrier").replace_strict(SIGNAL_EN, default="sensor")
    zh = pl.format(
        "数据不足，不作判定：近{}天{}数据覆盖率{}%（需≥{}%），有效观测工作日{}天{}。",
        pl.col("days").fill_null(0),
        signal_zh,
        cov,
        pl.lit(need),
        pl.col("covered_workdays").fill_null(0),
        pl.when(has_silent)
        .then(pl.format("；无数据的{}传感器：{}", signal_zh, silent))
        .otherwise(pl.lit("")),
    )
    en = pl.format(
        "Insufficient data, not judged: {} coverage {}% over the last {} days (needs {}%), {}"
        " observed working days{}.",
        signal_en,
        cov,
        pl.col("days").fill_null(0),
        pl.lit(need),
        pl.col("covered_workdays").fill_null(0),
        pl.when(has_silent)
        .then(pl.format("; silent {} sensors: {}", signal_en, silent_en))
        .otherwise(pl.lit("")),
    )
    return zh, en


def _blind_evidence(min_coverage: float, min_workdays: int) -> tuple[pl.Expr, pl.Expr]:
    """Why a room not seen lit is not judged: its light meters cannot see a lamp by day,
    and too few of its working hours were dull enough for them to (``_seeable``)."""
    meters = pl.col("day_blind").list.join("、").fill_null("")
    meters_en = pl.col("day_blind").list.join(", ").fill_null("")
    sight = _r("day_sight_lux", 0).cast(pl.Int64)
    hours = _r("seeable_hours", 0).cast(pl.Int64)
    share = (pl.col("seeable_share").fill_null(0.0) * 100).round(0).cast(pl.Int64)
    days = pl.col("seeable_workdays").fill_null(0)
    need = round(min_coverage * 100)
    zh = pl.format(
        "数据不足，不作判定：光照传感器{}尚未学到本室灯光的亮度，白天日光起伏下只能认出"
        "高于{}勒克斯的开灯（室内照明约{}勒克斯），未见开灯不能说明未使用；"
        "日光暗到需要开灯、又暗而平稳到如同夜间任何开灯都能认出的工作时间只有{}小时"
        "（占工作时间的{}%，需≥{}%），这样的工作日{}天（需≥{}天）。",
        meters,
        sight,
        pl.lit(LAMP_LUX),
        hours,
        share,
        pl.lit(need),
        days,
        pl.lit(min_workdays),
    )
    en = pl.format(
        "Insufficient data, not judged: light meter {} has not learned this room's lamp yet"
        " and by day, against daylight's swing, can only tell a lamp adding over {} lux"
        " (room lighting gives about {} lux): no lamp seen does not mean no use. Daylight"
        " was dim enough to need a lamp, and dim and still enough for the meter to see any"
        " lamp as it does at night, in only {} working hours ({}% of the working hours,"
        " needs {}%), on {} working days (needs {}).",
        meters_en,
        sight,
        pl.lit(LAMP_LUX),
        hours,
        share,
        pl.lit(need),
        days,
        pl.lit(min_workdays),
    )
    return zh, en


def _seeable_evidence() -> tuple[pl.Expr, pl.Expr]:
    """How a room whose meters cannot see a lamp in bright daylight was judged all the
    same: by the working hours in which they could (``_seeable``)."""
    meters = pl.col("day_blind").list.join("、").fill_null("")
    meters_en = pl.col("day_blind").list.join(", ").fill_null("")
    hours = _r("seeable_hours", 0).cast(pl.Int64)
    share = (pl.col("seeable_share").fill_null(0.0) * 100).round(0).cast(pl.Int64)
    days = pl.col("seeable_workdays").fill_null(0)
    zh = pl.format(
        "；光照传感器{}尚未学到本室灯光，强日光下认不出开灯，按日光暗到需要开灯、又暗而平稳到"
        "如同夜间任何开灯都能认出的{}个工作小时判定，占工作时间的{}%，涉及{}个工作日",
        meters,
        hours,
        share,
        days,
    )
    en = pl.format(
        "; light meter {} has not learned this room's lamp and cannot tell one in bright"
        " daylight: judged by the {} working hours, {}% of them, on {} working days, whose"
        " daylight was dim enough to need a lamp and dim and still enough for the meter to"
        " see any lamp as it does at night",
        meters_en,
        hours,
        share,
        days,
    )
    return zh, en


def judge(
    cards: pl.LazyFrame | pl.DataFrame,
    features: pl.LazyFrame | pl.DataFrame,
    rules: RuleSet,
) -> pl.LazyFrame:
    """One verdict per card of ``cards`` (``card_id, category_code``), ``VERDICT_COLUMNS``."""
    cards_lf = cards.lazy()
    categories = cards_lf.select("category_code").unique().collect()["category_code"].to_list()
    table = rule_table(rules, categories).lazy()
    d = rules.defaults
    have = set(cards_lf.collect_schema().names())
    extra = [
        (pl.col(c) if c in have else pl.lit(None, dtype=t)).alias(c)
        for c, t in (
            ("carrier", pl.String),
            ("silent_sensors", pl.List(pl.String)),
            ("day_blind", pl.List(pl.String)),  # carrying meters that cannot see a lamp by day
            ("day_sight_lux", pl.Float64),
            # … and how much of the working time they could see a lamp in all the same
            ("seeable_hours", pl.Float64),
            ("seeable_share", pl.Float64),
            ("seeable_workdays", pl.Int32),
        )
    ]
    feats = features.lazy()
    have_f = set(feats.collect_schema().names())
    feats = feats.with_columns(
        (pl.col(c) if c in have_f else pl.lit(None, dtype=t)).alias(c)
        for c, t in (
            ("background_sessions", pl.Int64),
            ("background_h", pl.Float64),
            ("background_max_s", pl.Float64),
        )
    )
    x = (
        cards_lf.select("card_id", "category_code", *extra)
        .join(feats, on="card_id", how="left")
        .join(table, on="category_code", how="left")
        .with_columns(_metric_value().alias("metric_value"))
    )
    sparse = (
        pl.col("coverage").is_null()
        | (pl.col("coverage") < d.min_coverage)
        | (pl.col("covered_workdays") < d.min_covered_workdays)
    )
    unused = (
        (pl.col("sessions") == 0)
        & (pl.col("usage_hours") < d.unused_hours)
        & (pl.col("days_moved") == 0)
    )
    m, idle_t, under_t = pl.col("metric_value"), pl.col("idle_below"), pl.col("under_used_below")
    below_idle_bar = (m < idle_t).fill_null(False)  # a rule without idle_below: unused only
    # a room judged by light that its meters could not have seen lit by day: what they did
    # not see is no evidence (an in-use verdict stands: what was seen was seen) — unless
    # the working hours dim enough for people to need a lamp and, to the meters, as dim and
    # still as the night (any lamp would have been seen: ``light.hour_sight``) cover the
    # working time as a verdict's data must cover a window (``min_coverage``,
    # ``min_covered_workdays``): their absence of a lamp is then evidence, as elsewhere
    day_blind = pl.col("day_blind").list.len().fill_null(0) > 0
    seeable = (pl.col("seeable_share").fill_null(0.0) >= d.min_coverage) & (
        pl.col("seeable_workdays").fill_null(0) >= d.min_covered_workdays
    )
    blind = day_blind & ~seeable
    verdict = (
        pl.when(sparse)
        .then(pl.lit(INSUFFICIENT))
        .when(pl.col("rule").is_null())
        .then(pl.lit(NO_RULE))
        .when((unused | below_idle_bar | (m < under_t).fill_null(False)) & blind)
        .then(pl.lit(INSUFFICIENT))
        .when(unused | below_idle_bar)
        .then(pl.lit(IDLE))
        .when(m < under_t)
        .then(pl.lit(UNDER_USED))
        .otherwise(pl.lit(IN_USE))
    )
    # 1 = certainly idle; idle scores 0.75–1, under-used 0.25–0.75, by distance below the bar

    def below(t: pl.Expr) -> pl.Expr:
        return (1.0 - m / pl.max_horizontal(t, pl.lit(1e-9))).clip(0.0, 1.0)

    score = (
        pl.when(pl.col("verdict") == IDLE)
        .then(pl.when(unused).then(1.0).otherwise(0.75 + 0.25 * below(idle_t)))
        .when(pl.col("verdict") == UNDER_USED)
        .then(0.25 + 0.5 * below(under_t))
        .otherwise(0.0)
    )
    # idle because nothing was used crossed no bar: no threshold then, and the evidence says so
    by_unused = (pl.col("verdict") == IDLE) & unused
    threshold = (
        pl.when(by_unused)
        .then(pl.lit(None, dtype=pl.Float64))
        .when(pl.col("verdict") == IDLE)
        .then(idle_t)
        .otherwise(under_t)
    )
    cov = (pl.col("coverage").fill_null(0.0) * 100).round(0).cast(pl.Int64)
    norm = pl.col("norm")
    norm_share = (m / norm * 100).round(0).cast(pl.Int64)
    norm_zh = pl.when(norm.is_not_null()).then(
        pl.format("（定额{}{}，达到定额的{}%）", _plain(norm), pl.col("unit_zh"), norm_share)
    )
    norm_en = pl.when(norm.is_not_null()).then(
        pl.format(" (a norm of {} {}: {}% of it)", _plain(norm), pl.col("unit_en"), norm_share)
    )
    bar_zh = pl.format(
        "规则“{}”的{}线为{}{}",
        pl.col("rule_zh"),
        pl.when(pl.col("verdict") == IDLE).then(pl.lit("闲置")).otherwise(pl.lit("低效")),
        threshold.round(2),
        pl.col("unit_zh"),
    )
    unused_zh = pl.format(
        "窗口内未使用（无使用次数、累计不足{}小时、无移动），按规则“{}”判为闲置",
        pl.lit(d.unused_hours),
        pl.col("rule_zh"),
    )
    # the device's own wake-ups taken out of its use (core.background): say how many
    woke = pl.col("background_sessions").fill_null(0) > 0
    bg_zh = pl.when(woke).then(
        pl.format(
            "（已扣除设备自身的维护唤醒{}次、{}小时：每次不超过{}秒，由非工作时间的本底学得）",
            pl.col("background_sessions"),
            _r("background_h", 2),
            _r("background_max_s", 0).cast(pl.Int64),
        )
    )
    bg_en = pl.when(woke).then(
        pl.format(
            " (its own maintenance wake-ups taken out: {} sessions, {} h, each at most {} s,"
            " learned from its use outside office hours)",
            pl.col("background_sessions"),
            _r("background_h", 2),
            _r("background_max_s", 0).cast(pl.Int64),
        )
    )
    seen_zh, seen_en = _seeable_evidence()
    seen_zh = pl.when(day_blind).then(seen_zh).otherwise(pl.lit(""))
    seen_en = pl.when(day_blind).then(seen_en).otherwise(pl.lit(""))
    zh = pl.format(
        "近{}天（工作日{}天，数据覆盖率{}%{}）累计使用{}小时，使用{}次{}，{}天有使用，"
        "最近一次使用在{}天前；{}为{}{}{}，{}。",
        pl.col("days"),
        pl.col("workdays"),
        cov,
        seen_zh,
        _r("usage_hours"),
        pl.col("sessions").fill_null(0),
        bg_zh.fill_null(""),
        pl.col("used_days").fill_null(0),
        _r("days_since_last_use", 0).cast(pl.Int64),
        pl.col("metric_zh"),
        _r("metric_value", 2),
        pl.col("unit_zh"),
        norm_zh.fill_null(""),
        pl.when(by_unused).then(unused_zh).otherwise(bar_zh),
    )
    bar_en = pl.format(
        "below the {} bar of {} {} set by rule '{}'",
        pl.when(pl.col("verdict") == IDLE).then(pl.lit("idle")).otherwise(pl.lit("under-used")),
        threshold.round(2),
        pl.col("unit_en"),
        pl.col("rule_en"),
    )
    unused_en = pl.format(
        "unused in the window (no session, under {} h in use, no movement): idle by rule '{}'",
        pl.lit(d.unused_hours),
        pl.col("rule_en"),
    )
    en = pl.format(
        "Last {} days ({} working days, {}% data coverage{}): {} h in use, {} sessions{}, "
        "used on {} days, last used {} days ago; {} is {} {}{}, {}.",
        pl.col("days"),
        pl.col("workdays"),
        cov,
        seen_en,
        _r("usage_hours"),
        pl.col("sessions").fill_null(0),
        bg_en.fill_null(""),
        pl.col("used_days").fill_null(0),
        _r("days_since_last_use", 0).cast(pl.Int64),
        pl.col("metric_en"),
        _r("metric_value", 2),
        pl.col("unit_en"),
        norm_en.fill_null(""),
        pl.when(by_unused).then(unused_en).otherwise(bar_en),
    )
    suggested = pl.col("verdict").is_in([IDLE, UNDER_USED])
    short_zh, short_en = _insufficient_evidence(d.min_coverage)
    blind_zh, blind_en = _blind_evidence(d.min_coverage, d.min_covered_workdays)
    short_zh = pl.when(sparse).then(short_zh).otherwise(blind_zh)
    short_en = pl.when(sparse).then(short_en).otherwise(blind_en)
    insufficient = pl.col("verdict") == INSUFFICIENT
    return (
        x.with_columns(verdict.alias("verdict"))
        .with_columns(
            pl.col("verdict").replace_strict(ACTION, default=None).alias("action"),
            score.alias("score"),
            threshold.alias("threshold"),
            pl.when(suggested).then(zh).when(insufficient).then(short_zh).alias("evidence_zh"),
            pl.when(suggested).then(en).when(insufficient).then(short_en).alias("evidence_en"),
        )
        .select(VERDICT_COLUMNS)
    )
