"""Workspace fixtures (a pytest plugin of the root conftest): one migrated database per backend
(SQLite file and the local PostgreSQL ``qingshan_test_web``), the web app on it, and a
logged-in client per role — for the web tests (tests/web) and the ledger tests (tests/ledgers)
alike, defined once so both share one database per backend and one advisory lock.

Every test that uses them runs on both backends through the parametrised session fixture
``backend``. Tests create their own ledger items, so they share one database
per backend and stay fast (argon2 is run with cheap parameters here; production keeps the
argon2-cffi defaults).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from qingshan.store.migrate import upgrade
from qingshan.web.app import create_app
from qingshan.core.audit import AuditRecord
from qingshan.core.org import User, ensure_org
from qingshan.web.security import CSRF_HEADER, WebSettings, hash_password

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DB = "qingshan_test_web"
PG_URL = f"{PG_SERVER}/{PG_DB}"
MAX_ATTACHMENT = 64 * 1024

# username -> (role, unit name, password)
USERS = {
    "t_admin": ("admin", "大同市生态环境局", "admin-password-1"),
    "t_staff": ("staff", "大同市生态环境局", "staff-password-1"),
    "t_pingcheng": ("unit", "平城区", "unit-password-1"),
    "t_yunzhou": ("unit", "云州区", "unit-password-2"),
    "t_leader": ("leader", None, "leader-password-1"),
    "t_public": ("public", None, "public-password-1"),
}
ROLE_USER = {"admin": "t_admin", "staff": "t_staff", "unit_own": "t_pingcheng", "unit_other": "t_yunzhou",
             "leader": "t_leader", "public": "t_public"}


#: Limits of the shared test app set out of reach: the tests of the limits build apps of their own
#: (tests/web/test_limits.py); the others submit and log in far more often than a person.
UNLIMITED = dict(ip_failures_per_window=10_000, login_free_failures=10_000, login_account_failures=10_000,
                 complaint_per_address_per_hour=100_000, complaint_global_per_hour=100_000,
                 complaint_challenge_after=100_000)

_LOCK_KEY = 0x77656273  # "webs": one test run at a time owns qingshan_test_web


def _lock_pg():
    """Create the database if missing and take a session-level advisory lock on it, so that two
    concurrent runs (several engineers, one machine) queue instead of dropping each other's
    schema. Returns the (engine, connection) holding the lock."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    conn = admin.connect()
    if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DB}).scalar():
        try:
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        except Exception:  # created meanwhile by a concurrent run
            pass
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
    # test database only: skip the WAL flush at commit (durability is not under test)
    conn.execute(text(f'ALTER DATABASE "{PG_DB}" SET synchronous_commit = off'))
    return admin, conn


def _unlock_pg(admin, conn) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
        conn.close()
    finally:
        admin.dispose()


def _reset_pg() -> None:
    eng = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp(f"web-{request.param}")
    if request.param == "sqlite" and Path("/dev/shm").is_dir():
        # the embedded default fsyncs every commit (synchronous=FULL); on tmpfs that costs nothing,
        # which keeps ~400 permission-matrix requests fast without changing what is tested
        home = Path(tempfile.mkdtemp(prefix="qingshan-web-", dir="/dev/shm"))
    lock = None
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'web.db'}"
    else:
        lock = _lock_pg()
        request.addfinalizer(lambda: _unlock_pg(*lock))
        _reset_pg()
        url = PG_URL
    upgrade(url)
    settings = WebSettings(
        database_url=url, home=Path(home), migrate=False, max_attachment_bytes=MAX_ATTACHMENT,
        argon2_time_cost=1, argon2_memory_kib=1024, **UNLIMITED,
    )
    app = create_app(settings)
    factory = app.state.sessionmaker
    with factory() as db:
        units = ensure_org(db)
        for username, (role, unit, password) in USERS.items():
            db.add(User(username=username, display_name=username, role=role,
                        unit_id=units[unit].id if unit else None,
                        password_hash=hash_password(password, settings), active=True, failed_logins=0))
        db.commit()
        unit_ids = {name: u.id for name, u in units.items()}
    clients = {}
    for role, username in ROLE_USER.items():
        clients[role] = login(app, username)
    yield {"name": request.param, "url": url, "app": app, "settings": settings, "factory": factory,
           "clients": clients, "units": unit_ids, "home": Path(home)}
    app.state.engine.dispose()
    if str(home).startswith("/dev/shm/"):
        shutil.rmtree(home, ignore_errors=True)


def login(app, username: str, password: str | None = None, **client_kw) -> TestClient:
    client = TestClient(app, **client_kw)
    r = client.post("/api/auth/login", json={"username": username, "password": password or USERS[username][2]})
    assert r.status_code == 200, r.text
    client.headers[CSRF_HEADER] = r.json()["csrf_token"]
    return client


@pytest.fixture
def app(backend):
    return backend["app"]


@pytest.fixture
def clients(backend) -> dict[str, TestClient]:
    return backend["clients"]


@pytest.fixture
def db(backend):
    with backend["factory"]() as session:
        yield session


@pytest.fixture
def units(backend) -> dict[str, int]:
    return backend["units"]


def new_item(backend, kind: str = "key_task", lead: str = "平城区", others=("大同市水务局",), **overrides) -> dict:
    """Create an item through the API as bureau staff; returns its JSON."""
    fields = {
        "key_task": {"area": "水"},
        "inspection": {"inspection_level": "中央", "round": "第二轮", "measures": "整改措施"},
        "hazard": {"hazard_type": "尾矿库", "site": "测试地点", "grade": "重大"},
        "complaint": {"channel": "网站", "content": "测试投诉"},
        "emergency": {"enterprise": "测试企业", "alert": "测试预警", "check_result": "测试核查结论",
                      "requirement": "测试整改要求"},
        "enforcement": {"filed_date": "2026-11-03", "party": "测试企业"},
    }[kind]
    body = {"kind": kind, "title": f"测试{kind}事项", "lead_unit": lead, "units": list(others),
            "deadline": "2030-06-30", "fields": fields}
    body.update(overrides)
    r = backend["clients"]["staff"].post("/api/ledgers", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def audit_for(backend, request_id: str) -> list[AuditRecord]:
    with backend["factory"]() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.request_id == request_id)))


@pytest.fixture
def make_item(backend):
    return lambda *a, **kw: new_item(backend, *a, **kw)


@pytest.fixture
def audits(backend):
    return lambda rid: audit_for(backend, rid)


def _route_table(app) -> list[tuple[str, frozenset]]:
    """(path, methods) of every route, looking inside included routers (FastAPI ≥ 0.160 keeps
    them nested instead of copying their routes into ``app.routes``)."""
    out = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            out += [(c.path, frozenset(c.methods or ())) for c in contexts()]
        elif getattr(route, "path", None) is not None:
            out.append((route.path, frozenset(getattr(route, "methods", None) or ())))
    return out


@pytest.fixture
def route_table(backend):
    return _route_table(backend["app"])
