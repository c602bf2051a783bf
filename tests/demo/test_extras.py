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
