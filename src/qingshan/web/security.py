"""Password hashing, session tokens and the web settings.

Roles are :data:`qingshan.core.org.ROLES`; the per-kind workflow permissions are data in
:mod:`qingshan.ledgers.workflow`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

SESSION_COOKIE = "qs_session"
CSRF_COOKIE = "qs_csrf"  # double-submit token for forms posted before login
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"


@dataclass(frozen=True)
class WebSettings:
    """Settings of one web application instance.

    Attributes
    ----------
    database_url : str
        SQLAlchemy URL (default :func:`qingshan.config.database_url`).
    home : Path
        ``QINGSHAN_HOME``; attachments go to ``home / "attachments"``.
    session_hours : float
        Session lifetime [h].
    cookie_secure : bool
        Always set the ``Secure`` flag on cookies (env ``QINGSHAN_COOKIE_SECURE=1`` or
        ``qingshan serve --cookie-secure``; use it behind an HTTPS proxy). Whatever this says,
        cookies are ``Secure`` on a request whose scheme is ``https``.
    max_attachment_bytes : int
        Largest accepted evidence file [byte].
    ip_failures_per_window : int
        Failed logins from one address within ``ip_window_minutes`` after which further
        attempts from it are refused with HTTP 429 (throttling).
    ip_window_minutes : int
        Throttling window [min].
    argon2_time_cost, argon2_memory_kib : int
        argon2id parameters (defaults: argon2-cffi's RFC 9106 low-memory profile).
    migrate : bool
        Run ``qingshan.store.migrate.upgrade`` when the app starts.
    db_pool_size, db_max_overflow : int
        SQLAlchemy connection pool of the application (env ``QINGSHAN_DB_POOL_SIZE``,
        ``QINGSHAN_DB_MAX_OVERFLOW``). On PostgreSQL keep ``pool_size + max_overflow`` below
        the server's ``max_connections`` summed over all processes.
    max_concurrent_requests : int or None
        Requests admitted into the application at once; the rest queue in the event loop
        (env ``QINGSHAN_MAX_CONCURRENT_REQUESTS``). Default ``(db_pool_size +
        db_max_overflow) // 2``, capped at 32 (under anyio's 40 worker threads): a request holds
        at most two connections at a time, so no request ever waits for a connection — see
        :mod:`qingshan.web.middleware`.
    max_request_bytes : int or None
        Largest request body [byte]; larger ones get HTTP 413 before they are parsed or spooled.
        Default ``max_attachment_bytes`` + 1 MiB (form fields and multipart framing).
    login_free_failures : int
        Failed logins (per typed user name from one address, or per address) answered without
        delay; each further one doubles the wait before the next attempt is checked
        (progressive delay, :mod:`qingshan.web.auth`).
    login_max_delay_seconds : int
        Longest wait the progressive delay imposes [s].
    login_account_failures : int
        Failed logins of one user name from all addresses together within ``ip_window_minutes``
        after which every attempt at that name waits ``login_account_delay_seconds`` (a
        distributed guess slows down; the real user is delayed, never locked out).
    login_account_delay_seconds : int
        That wait [s].
    rate_limit_store : str
        ``auto`` (database on PostgreSQL, memory on SQLite), ``memory`` or ``database``
        (env ``QINGSHAN_RATE_LIMIT_STORE``; :mod:`qingshan.web.ratelimit`).
    complaint_per_address_per_hour, complaint_global_per_hour, complaint_challenge_after : int
        Public complaint limits (:mod:`qingshan.web.antispam`).
    complaint_merge_hours : int
        Window in which an identical complaint is merged into the open one [h].
    secret_key : str or None
        Key signing the complaint challenge (env ``QINGSHAN_SECRET_KEY``); default: a random key
        kept in ``home / "web-secret.key"`` (created on first use, mode 0600), so every worker
        on the same home shares it.
    """

    database_url: str
    home: Path
    session_hours: float = 8.0
    cookie_secure: bool = False
    max_attachment_bytes: int = 20 * 1024 * 1024
    ip_failures_per_window: int = 30
    ip_window_minutes: int = 10
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    migrate: bool = True
    db_pool_size: int = 20
    db_max_overflow: int = 20
    max_concurrent_requests: int | None = None
    max_request_bytes: int | None = None
    login_free_failures: int = 3
    login_max_delay_seconds: int = 60
    login_account_failures: int = 20
    login_account_delay_seconds: int = 10
    rate_limit_store: str = "auto"
    complaint_per_address_per_hour: int = 5
    complaint_global_per_hour: int = 300
    complaint_challenge_after: int = 2
    complaint_merge_hours: int = 24
    secret_key: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> WebSettings:
        from qingshan.config import settings

        s = settings()
        base = {"database_url": s.database_url, "home": s.home}
        env = os.environ
        if env.get("QINGSHAN_COOKIE_SECURE", "").strip().lower() in ("1", "true", "yes", "on"):
            base["cookie_secure"] = True
        for key, name in (("db_pool_size", "QINGSHAN_DB_POOL_SIZE"), ("db_max_overflow", "QINGSHAN_DB_MAX_OVERFLOW"),
                          ("max_concurrent_requests", "QINGSHAN_MAX_CONCURRENT_REQUESTS"),
                          ("max_request_bytes", "QINGSHAN_MAX_REQUEST_BYTES"),
                          ("complaint_per_address_per_hour", "QINGSHAN_COMPLAINTS_PER_ADDRESS"),
                          ("complaint_global_per_hour", "QINGSHAN_COMPLAINTS_PER_HOUR")):
            if env.get(name, "").strip():
                base[key] = int(env[name])
        if env.get("QINGSHAN_RATE_LIMIT_STORE", "").strip():
            base["rate_limit_store"] = env["QINGSHAN_RATE_LIMIT_STORE"].strip()
        if env.get("QINGSHAN_SECRET_KEY", "").strip():
            base["secret_key"] = env["QINGSHAN_SECRET_KEY"].strip()
        base.update(overrides)
        return cls(**base)

    @property
    def request_limit(self) -> int:
        """Requests admitted at once (see ``max_concurrent_requests``)."""
        if self.max_concurrent_requests:
            return self.max_concurrent_requests
        return max(1, min(32, (self.db_pool_size + self.db_max_overflow) // 2))

    @property
    def body_limit(self) -> int:
        """Largest request body [byte] (see ``max_request_bytes``)."""
        return self.max_request_bytes or self.max_attachment_bytes + 1024 * 1024


def password_hasher(settings: WebSettings) -> PasswordHasher:
    return PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)


def hash_password(password: str, settings: WebSettings) -> str:
    return password_hasher(settings).hash(password)


def verify_password(stored_hash: str, password: str, settings: WebSettings) -> bool:
    try:
        return password_hasher(settings).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A fixed dummy hash so that unknown usernames cost the same time as known ones.
_DUMMY_HASH: dict[tuple[int, int], str] = {}


def dummy_verify(password: str, settings: WebSettings) -> None:
    key = (settings.argon2_time_cost, settings.argon2_memory_kib)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password(secrets.token_hex(8), settings)
    verify_password(_DUMMY_HASH[key], password, settings)


def secret_key(settings: WebSettings) -> bytes:
    """The application's signing key: ``settings.secret_key``, else the key file under ``home``
    (created once with a random key, readable by the owner only)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.home) / "web-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it meanwhile
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
