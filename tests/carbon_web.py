"""A web site for the carbon tests: the app on a migrated store with one account per role."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from qingshan.core.org import User, ensure_org
from qingshan.store.migrate import upgrade
from qingshan.web.app import create_app
from qingshan.web.security import CSRF_HEADER, WebSettings, hash_password

PASSWORD = "carbon-test-password-1"
#: role → (username, unit)
USERS = {"admin": ("cb_admin", "大同市生态环境局"), "staff": ("cb_staff", "大同市生态环境局"),
         "unit": ("cb_unit", "平城区"), "leader": ("cb_leader", None), "public": ("cb_public", None)}
INTERNAL = ("admin", "staff", "unit", "leader")


def settings_for(url: str, home: Path) -> WebSettings:
    return WebSettings(database_url=url, home=home, migrate=False, argon2_time_cost=1, argon2_memory_kib=1024,
                       ip_failures_per_window=10_000)


def login(app, username: str) -> TestClient:
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers[CSRF_HEADER] = r.json()["csrf_token"]
    return c


def clients_for(app) -> dict[str, TestClient]:
    clients = {role: login(app, name) for role, (name, _u) in USERS.items()}
    clients["anonymous"] = TestClient(app)
    return clients


def add_users(app) -> None:
    settings = app.state.settings
    with app.state.sessionmaker() as db:
        units = ensure_org(db)
        for role, (name, unit) in USERS.items():
            db.add(User(username=name, display_name=name, role=role, unit_id=units[unit].id if unit else None,
                        password_hash=hash_password(PASSWORD, settings), active=True, failed_logins=0))
        db.commit()


def make_site(url: str, home: Path, build) -> dict:
    """Migrate, create the app and the users, run ``build(session)``, log every role in."""
    upgrade(url)
    app = create_app(settings_for(url, home))
    add_users(app)
    with app.state.sessionmaker() as db:
        build(db)
    return {"app": app, "url": url, "settings": app.state.settings, "clients": clients_for(app),
            "factory": app.state.sessionmaker}
