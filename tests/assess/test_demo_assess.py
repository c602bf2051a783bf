"""The demo builder of the targets/bulletin packages on a fresh SQLite store."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from qingshan.demo import build
from qingshan.demo.assess import build_assess_demo, render_summary
from qingshan.targets.store import TargetStore


def test_builder_on_fresh_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    build.migrate_database(url)
    build.register_stations(url)
    s = build_assess_demo(url, 2026, 10)
    again = build_assess_demo(url, 2026, 10)  # idempotent
    assert s.units == again.units == 10 and s.targets == 36
    assert s.stations["平城区"] == 6  # seven national stations in 平城区 (FACTS.md §2), 果树场(对照点) left out
    st = TargetStore(url)
    try:
        units = st.units(date(2026, 10, 31))
        assert [u.code for u in units][:3] == ["140200", "140213", "140214"] and all(u.demo for u in units)
        assert len(st.targets(2026)) == 36 and all("演示" in t.source_doc for t in st.targets(2026))
        assert all("演示" in m.doc_no for m in st.manual_inputs("2026-10"))
        assert st.scheme(2026)[0].endswith("（演示）")
        assert st.unit_stations(date(2026, 10, 31))["140221"] == ["DT-140221-S1"]
    finally:
        st.close()
    con = Console(record=True, width=120)
    render_summary(con, s)
    assert "演示" in con.export_text()


def test_demo_hook_writes_both_bulletins_of_the_last_complete_month(demo_url, _isolated_home):
    """``qingshan demo``'s last step (DOMAIN_DEMOS) on the demo store it built (idempotent: nothing
    new is written): the data end on 2026-03-31, so both bulletins of 2026-03 are written under
    QINGSHAN_HOME/bulletins and their paths printed."""
    from sqlalchemy import create_engine

    from qingshan.demo import assess, domains

    assert domains.DOMAIN_DEMOS[-1].build is assess.run_demo
    engine = create_engine(demo_url)
    try:
        run = assess.run_demo(engine)
    finally:
        engine.dispose()
    assert run.month == "2026-03" and run.ledger.tasks == 4 and run.ledger.cases == 8
    names = sorted(p.name for p in run.paths)
    assert names == ["bulletin-air-2026-03.docx", "bulletin-air-2026-03.html", "bulletin-work-2026-03.docx",
                     "bulletin-work-2026-03.html"]
    assert all(p.parent == _isolated_home / "bulletins" and p.stat().st_size > 0 for p in run.paths)
    con = Console(record=True, width=160)
    con.print(assess.render_run(run))
    text = con.export_text()
    assert "bulletin-work-2026-03.html" in text and "演示" in text
