"""The landwaste demo builder on a fresh SQLite store: labelled content, the worked examples,
the balance error, the overdue manifest and the overdue pond inspection."""

from __future__ import annotations

from datetime import date
from io import StringIO

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.demo.landwaste import build_landwaste_demo, render_landwaste_demo
from qingshan.landwaste.ponds.models import Pond
from qingshan.landwaste.soil.models import SoilPoint, SoilSurvey
from qingshan.landwaste.waste.models import HwManifest
from qingshan.store import migrate
from qingshan.store.db import make_engine


def test_build_on_fresh_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    eng = make_engine(url)
    summary = build_landwaste_demo(eng, today=date(2026, 12, 1))
    assert summary.errors == []
    assert summary.soil_points == 18 and summary.soil_samples == 18
    assert summary.site_decision == "原则上应采取风险管控或修复措施"  # E2: S-2 benzene 45 > 40
    assert len(summary.balance_failures) == 1 and "2026-07" in summary.balance_failures[0]
    assert summary.manifests == 4 and len(summary.manifests_overdue) == 1
    assert summary.manifests_overdue[0].startswith("20261402000123")
    assert summary.ponds_by_grade == {"一级": 2, "二级": 1, "三级": 1}  # 左云 ungraded → scheduled as 一级
    assert any("汛期前" in p and "灵丘" in p for p in summary.ponds_overdue)
    with Session(eng) as s:
        assert all("演示" in v.name for v in s.scalars(select(SoilSurvey)))
        assert all(p.demo for p in s.scalars(select(SoilPoint)))
        assert all(m.demo for m in s.scalars(select(HwManifest)))
        assert all(p.demo and "演示" in p.name for p in s.scalars(select(Pond)))
    buf = StringIO()
    Console(file=buf, width=160).print(render_landwaste_demo(summary))
    text = buf.getvalue()
    assert "平衡校验未通过" in text and "接收确认逾期" in text and "尾矿库" in text
    # building twice duplicates nothing
    again = build_landwaste_demo(eng, today=date(2026, 12, 1))
    assert again.soil_points == 18 and again.manifests == 4
    eng.dispose()
