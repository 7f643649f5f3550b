"""Route ``/idle-rules``: the idle rules the analyser judges by, read-only, for finance staff
who review them (闲置判定规则) and for the pages, which name a suggestion's rule in Chinese."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from assetpulse.monitor.core.rules import METRICS, load_rules
from assetpulse.platform.api.deps import CurrentUser, get_settings
from assetpulse.settings import Settings

router = APIRouter(tags=["monitor"])


class RuleOut(BaseModel):
    id: str
    name_zh: str
    categories: list[str]
    metric: str
    metric_zh: str = Field(description="使用指标的中文名称")
    metric_unit: str = Field(description="指标单位，如 小时/年；比例为空")
    window_days: int
    idle_below: float | None
    under_used_below: float
    norm: float | None
    subtract_off_hours_background: bool = Field(
        default=False, description="扣除设备自身在非工作时间学得的维护唤醒本底（打印机等）"
    )


class RulesOut(BaseModel):
    source: str = Field(description="规则文件：packaged（随系统发布）或其文件名")
    window_days: int
    min_coverage: float
    min_covered_workdays: int
    unused_hours: float
    expected_hours_per_workday: float
    rules: list[RuleOut]


@router.get("/idle-rules", summary="闲置判定规则（只读）")
async def idle_rules(
    _: CurrentUser, settings: Annotated[Settings, Depends(get_settings)]
) -> RulesOut:
    path = settings.idle_rules_path
    ruleset = load_rules(path)
    rules = [
        RuleOut(
            id=r.id,
            name_zh=r.name_zh,
            categories=list(r.categories),
            metric=r.metric,
            metric_zh=METRICS[r.metric][0],
            metric_unit=METRICS[r.metric][2],
            window_days=r.window_days,
            idle_below=r.idle_below,
            under_used_below=r.under_used_below,
            norm=r.norm,
            subtract_off_hours_background=r.subtract_off_hours_background,
        )
        for r in ruleset.rules
    ]
    # the file name only: where the server keeps its files is nobody's business
    source = Path(path).name if path else "packaged"
    return RulesOut(source=source, **asdict(ruleset.defaults), rules=rules)
