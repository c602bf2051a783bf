"""Issue 9 item 3: property-based API test — every operation of /openapi.json, no HTTP 500.

Schemathesis reads the app's own OpenAPI document (so routes added by any domain are covered
without editing this file) and generates requests for every operation: valid ones (positive) and
ones that break the schema (negative: out-of-range numbers, wrong types, missing fields). Each is
sent as a logged-in administrator (session cookie + CSRF token, so the requests reach the
routes' code instead of stopping at 401/403). No response may be a server error.

Bounded and reproducible: a fixed example budget per operation and mode, ``derandomize=True``
(the same requests every run), no example database. The number of requests and the time are
printed (``make test`` shows them).
"""

from __future__ import annotations

import time
from collections import Counter

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlalchemy import select

from qingshan.core.org import User, ensure_org
from qingshan.store.migrate import upgrade
from qingshan.web.app import create_app
from qingshan.web.models import WebSession
from qingshan.web.security import CSRF_HEADER, WebSettings, hash_password

#: Examples per operation and generation mode (positive, negative).
EXAMPLES = 10
ADMIN_PASSWORD = "fuzz-admin-password-1"


def _site(tmp_path):
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    upgrade(url)
    settings = WebSettings(database_url=url, home=tmp_path, migrate=False, argon2_time_cost=1, argon2_memory_kib=1024,
                           max_attachment_bytes=64 * 1024, ip_failures_per_window=10**6, login_free_failures=10**6,
                           login_account_failures=10**6, complaint_per_address_per_hour=10**6,
                           complaint_global_per_hour=10**6, complaint_challenge_after=10**6)
    app = create_app(settings)
    with app.state.sessionmaker() as db:
        units = ensure_org(db)
        db.add(User(username="fuzz_admin", display_name="fuzz", role="admin", unit_id=units["大同市生态环境局"].id,
                    password_hash=hash_password(ADMIN_PASSWORD, settings), active=True, failed_logins=0))
        db.commit()
    return app, settings


class Admin:
    """A logged-in administrator whose session survives what the fuzzer does to it (a logout, a
    password reset of its own account end the session: it logs in again)."""

    def __init__(self, app, settings):
        self.app, self.settings = app, settings
        self.login()

    def login(self) -> None:
        with self.app.state.sessionmaker() as db:
            me = db.scalar(select(User).where(User.username == "fuzz_admin"))
            me.password_hash = hash_password(ADMIN_PASSWORD, self.settings)
            me.role, me.active = "admin", True
            db.commit()
        # one client for every request (a client per request costs more than the request)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        r = self.client.post("/api/auth/login", json={"username": "fuzz_admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        self.cookies = {"qs_session": self.client.cookies.get("qs_session")}
        self.headers = {CSRF_HEADER: r.json()["csrf_token"]}

    def send(self, case):
        kw = case.as_transport_kwargs(base_url="http://testserver", headers=self.headers)
        kw.pop("cookies", None)  # the client holds the session cookie
        if isinstance(kw.get("data"), (bytes, str)):
            kw["content"] = kw.pop("data")
        return self.client.request(**kw)

    def alive(self) -> bool:
        with self.app.state.sessionmaker() as db:
            from qingshan.web.security import token_hash

            sess = db.get(WebSession, token_hash(self.cookies["qs_session"]))
            me = db.scalar(select(User).where(User.username == "fuzz_admin"))
            return sess is not None and me.active and me.role == "admin"


def test_no_operation_of_the_openapi_document_answers_a_server_error(tmp_path, capsys):
    app, web_settings = _site(tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    spec_paths = TestClient(app).get("/openapi.json").json()["paths"]
    declared = {(m.upper(), p) for p, item in spec_paths.items() for m in item if m in
                {"get", "post", "put", "patch", "delete"}}
    assert {(op.method.upper(), op.path) for op in operations} == declared  # every operation, none left out

    admin = Admin(app, web_settings)
    sent: Counter = Counter()
    statuses: Counter = Counter()
    failures: list[str] = []
    no_negative: list[str] = []
    started = time.perf_counter()

    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy(generation_mode=mode))
            def run(case):
                response = admin.send(case)
                sent[op.label] += 1
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{op.label} [{mode.value}] → {response.status_code}: {case.as_curl_command()}"
                                    f"\n    {response.text[:300]}")
                if case.method.upper() != "GET" and not admin.alive():
                    admin.login()

            try:
                run()
            except Unsatisfiable:
                # an operation without parameters or body has no schema-breaking input
                assert mode is GenerationMode.NEGATIVE, op.label
                no_negative.append(op.label)

    elapsed = time.perf_counter() - started
    total = sum(sent.values())
    with capsys.disabled():
        print(f"\n[API fuzz] schemathesis {schemathesis.SCHEMATHESIS_VERSION}: {total} requests over "
              f"{len(operations)} operations of /openapi.json in {elapsed:.1f} s "
              f"(statuses: {dict(sorted(statuses.items()))}; {len(no_negative)} operations have no invalid input)")
    assert not failures, "server errors:\n" + "\n".join(failures[:20])
    assert set(sent) == {op.label for op in operations}
    assert statuses[500] == 0 and total >= len(operations) * 2
    app.state.engine.dispose()
