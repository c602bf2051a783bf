"""Fixtures of the page and browser tests: one seeded site per session, a live server.

The site: the workspace demo (``qingshan.web.seed.seed_demo``: Datong's organisation, one
account per role, ledger items from the 2023 conference), two items of the tests' own created
through the ledger service (one of 平城区, one overdue of 天镇县), and 30 days of the demo's
labelled synthetic air data written through the observation store — every piece through the
module that owns it.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from qingshan.core import clock

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "screenshots"


@dataclass
class Site:
    settings: object
    url: str
    items: dict[str, int]
    air_days: int
    passwords: dict[str, str]


def _seed_air(url: str, days: int) -> None:
    from qingshan.demo import build, synthetic
    from qingshan.demo import stations as demo_stations

    build.register_stations(url)
    end = clock.today() - timedelta(days=1)
    frame = synthetic.generate(demo_stations.demo_stations(), end - timedelta(days=days - 1), end)
    build.write_series(url, frame)


def _seed_web(settings) -> tuple[dict[str, int], dict[str, str]]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from qingshan.ledgers import service
    from qingshan.store.db import make_engine
    from qingshan.core.audit import SYSTEM
    from qingshan.core.org import User
    from qingshan.web.seed import seed_demo

    passwords = seed_demo(settings.database_url, settings=settings, migrate=False)
    engine = make_engine(settings.database_url)
    items: dict[str, int] = {}
    with Session(engine, expire_on_commit=False) as db:
        admin = db.scalar(select(User).where(User.username == "admin"))
        today = clock.today()
        items["task"] = service.create_item(db, SYSTEM, admin, "key_task", {
            "title": "消除劣Ⅴ类水体：南洋河断面整治（测试）", "lead_unit": "平城区", "units": "大同市水务局",
            "deadline": (today + timedelta(days=60)).isoformat(), "fields": {"area": "水"},
        }).id
        items["overdue"] = service.create_item(db, SYSTEM, admin, "hazard", {
            "title": "尾矿库隐患排查整治（测试）", "lead_unit": "天镇县",
            "deadline": (today - timedelta(days=10)).isoformat(),
            "fields": {"hazard_type": "尾矿库", "site": "天镇县（测试位置）", "grade": "较大"},
        }).id
    engine.dispose()
    return items, passwords


@pytest.fixture(autouse=True)
def _today_is_fixed(frozen_clock):
    """Every page and browser test runs on the frozen "now" (the site's data end the day before)."""
    yield


@pytest.fixture(scope="session")
def site(tmp_path_factory, frozen_now) -> Site:
    from qingshan.web.security import WebSettings

    home = tmp_path_factory.mktemp("web-site")
    url = f"sqlite:///{home / 'site.db'}"
    # complaint limits out of reach: the pages submit several from one test client (limits: tests/web/test_limits.py)
    settings = WebSettings(database_url=url, home=home, argon2_time_cost=1, argon2_memory_kib=8192,
                           complaint_challenge_after=1000, complaint_per_address_per_hour=1000)
    from qingshan.store.migrate import upgrade

    upgrade(url)
    with clock.frozen(frozen_now):
        items, passwords = _seed_web(settings)
        _seed_air(url, 30)
    return Site(settings=settings, url=url, items=items, air_days=30, passwords=passwords)


@pytest.fixture(scope="session")
def app(site):
    from qingshan.web.app import create_app
    from qingshan.web.pages import figures as data

    data.clear_cache()
    return create_app(site.settings)


def _login(client, username: str, password: str):
    """Log in through the page form (fetches the pre-login CSRF cookie first)."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": "/overview"}, follow_redirects=False)


@pytest.fixture(scope="session")
def login(site):
    """``login(client, username, password=<the demo password>)`` through the page form."""
    return lambda client, username, password=None: _login(client, username, password or site.passwords[username])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(app):
    """The app under uvicorn in a background thread on an ephemeral loopback port."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian's chromium package)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context per test; a screenshot of the last page is kept as an artefact."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    finally:
        context.close()


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DB = "qingshan_test_web_pages"
_PG_LOCK = 0x70616765  # "page": one run at a time owns qingshan_test_web_pages


@pytest.fixture(scope="module")
def pg_site(tmp_path_factory, frozen_now) -> Site:
    """The same site on the local PostgreSQL (server mode), in its own database; its advisory
    lock is held for one module only (see the root conftest on lock order)."""
    from sqlalchemy import create_engine, text

    from qingshan.store.migrate import upgrade
    from qingshan.web.security import WebSettings

    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    conn = admin.connect()
    if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DB}).scalar():
        try:
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        except Exception:  # created meanwhile by a concurrent run
            pass
    # several engineers share the server: concurrent runs queue instead of dropping each other's schema
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
    url = f"{PG_SERVER}/{PG_DB}"
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()
    try:
        home = tmp_path_factory.mktemp("web-site-pg")
        settings = WebSettings(database_url=url, home=home, argon2_time_cost=1, argon2_memory_kib=8192, migrate=False)
        upgrade(url)
        with clock.frozen(frozen_now):
            items, passwords = _seed_web(settings)
            _seed_air(url, 10)
        yield Site(settings=settings, url=url, items=items, air_days=10, passwords=passwords)
    finally:
        from qingshan.store.db import engine_for

        engine_for(url).dispose()  # the pages' observation-store engine on this database
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
        conn.close()
        admin.dispose()


@pytest.fixture(scope="module")
def pg_login(pg_site):
    return lambda client, username, password=None: _login(client, username, password or pg_site.passwords[username])
