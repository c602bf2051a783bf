"""The optional demo steps that drive other domains: HJ 212 gateway + simulator, web accounts."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from qingshan.config import database_url
from qingshan.demo import build, extras


def test_accounts_table_lists_every_account():
    table = extras.accounts_table([{"username": "admin", "password": "pw-1", "role": "系统管理员（演示）"}])
    console = Console(width=120, record=True)
    console.print(table)
    text = console.export_text()
    assert "admin" in text and "pw-1" in text and "系统管理员（演示）" in text


@pytest.mark.slow
def test_gateway_with_simulator_acknowledges_everything():
    url = database_url()
    build.migrate_database(url)
    msg = extras.register_enterprises(url)
    assert "3 家" in msg and "虚构" in msg
    out = extras.run_gateway_with_simulator(url, seconds=2, devices=3)
    sent, acked, rejected = map(int, re.search(r"发送 (\d+)，确认 (\d+)，拒收 (\d+)", out).groups())
    assert sent > 0 and acked == sent and rejected == 0

    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM src_enterprise")).scalars())
    eng.dispose()
    assert {"国电电力大同湖东发电有限公司", "国电电力大同发电有限责任公司"} <= names


def test_serve_step_prints_accounts_before_serving(monkeypatch):
    """``--serve``: seed the workspace, print the demo accounts and the address, then hand over to the server."""
    from qingshan.demo import cli

    url = database_url()
    build.migrate_database(url)
    calls = []
    monkeypatch.setattr(extras, "serve_web", lambda host, port: calls.append((host, port)))
    console = Console(width=160, record=True)
    cli._serve(console, url, "127.0.0.1", 8123)
    text = console.export_text()
    assert calls == [("127.0.0.1", 8123)]
    assert "演示账号" in text and "admin" in text and "http://127.0.0.1:8123" in text
    assert text.index("演示账号") < text.index("http://127.0.0.1:8123")


def test_domain_demo_hook_builds_and_prints_each_domain(sqlite_url):
    from sqlalchemy import text

    from qingshan.demo import domains
    from qingshan.store.db import make_engine

    calls = []

    def build(engine):
        with engine.connect() as conn:
            calls.append(conn.execute(text("SELECT 1")).scalar())
        return {"n": 3}

    console = Console(width=120, record=True)
    engine = make_engine(sqlite_url)
    try:
        domains.run(console, engine, (domains.DomainDemo("测试领域", build, lambda s: f"测试领域：{s['n']} 项（演示）"),))
    finally:
        engine.dispose()
    assert calls == [1] and "测试领域：3 项（演示）" in console.export_text()


@pytest.mark.slow
def test_water_demo_station_is_synced_after_the_gateway_run():
    """demo/water.py links the simulator's first water device (make_devices: every 4th device, index
    3, is a wastewater device, ST 32) to an invented section; after the gateway run the sync line
    says how many hourly values were read and written."""
    from sqlalchemy import create_engine, text

    from qingshan.demo import water
    from qingshan.hj212.simulator import WATER_FACTORS
    from qingshan.store.db import make_engine

    url = database_url()
    build.migrate_database(url)
    engine = make_engine(url)
    try:
        mn, code = water.link_demo_station(engine)
        assert mn == f"5A4D{3:020X}" and code == "DT-ZDZ"
        since = water.simulated_since()
        extras.register_enterprises(url)
        extras.run_gateway_with_simulator(url, seconds=2)
        line = water.sync_for_demo(engine, since)
    finally:
        engine.dispose()
    # expected from what the gateway stored for that MN (hourly CN 2061): COD, NH3-N and pH are
    # surface-water factors (hj212.md §12.3), flow w00000 is not
    eng = create_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT factor, avg FROM hj212_value WHERE mn = :mn AND cn = '2061'"), {"mn": mn}).all()
        stored = conn.execute(text("SELECT count(*) FROM water_observations o JOIN water_sections s ON s.id = o.section_id "
                                   "WHERE s.code = 'DT-ZDZ' AND o.source = 'hj212'")).scalar()
    eng.dispose()
    mapped = sum(1 for f, avg in rows if f in WATER_FACTORS and avg is not None)
    flow = sum(1 for f, _ in rows if f == "w00000")
    assert rows and mapped > 0 and flow > 0
    assert line.startswith(f"自动站（演示）MN {mn} → 断面 DT-ZDZ")
    assert f"读取 {len(rows)} 个数值，写入 {mapped} 条" in line
    assert f"因子 w00000 不是地表水评价项目，{flow} 个数值未导入" in line
    assert stored == mapped
