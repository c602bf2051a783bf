"""Device authentication for the gateway: known MN (registry) and PW against its hash.

Given a mapping MN → :class:`~qingshan.sources.devices.DeviceSettings` and the registry's
password check (``verify_password(pw_hash, pw) -> bool``): this module imports no database
or password code. The registry keeps only an Argon2id hash of each device's 6-character PW
(:mod:`qingshan.sources.models`). Hashing costs ~30 ms, far too much per packet, so a
successful verification is cached in memory as a keyed BLAKE2b digest of the PW (the key is
random per process, so the cache is no plaintext store); a failed verification is cached too
(bounded), so a misconfigured device resending every few seconds does not burn a core.

:meth:`Authenticator.check` is cheap and never blocks: it answers an
:class:`~qingshan.hj212.gateway.events.AuthResult` (``PENDING``: not yet verified). A packet
without PW never gets here (the protocol rejects it first, hj212.md §3 Table 3). The adapter runs :meth:`verify` (the slow hash)
off the event loop for a pending pair, then resumes the connection.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from qingshan.hj212.gateway.events import AuthResult
from qingshan.sources.devices import DeviceSettings

OK, UNKNOWN_MN, BAD_PW, PENDING = AuthResult.OK, AuthResult.UNKNOWN_MN, AuthResult.BAD_PW, AuthResult.PENDING


class Authenticator:
    """``reload`` (optional) re-reads the registry: an MN not known yet makes :meth:`check`
    answer ``pending`` (at most once per ``reload_every`` seconds), and :meth:`verify` reloads
    before deciding, so a device registered while the gateway runs is accepted at once."""

    def __init__(self, devices: Mapping[str, DeviceSettings], verify_password: Callable[[str, str], bool],
                 max_failures_cached: int = 10_000,
                 reload: Callable[[], Mapping[str, DeviceSettings]] | None = None, reload_every: float = 2.0):
        self._devices = dict(devices)
        self._verify_password = verify_password
        self._reload = reload
        self._reload_every = reload_every
        self._last_reload = time.monotonic()
        self._lock = threading.Lock()
        self._reloading = False
        self._key = os.urandom(32)
        self._good: dict[str, bytes] = {}
        self._verified: set[tuple[str, bytes]] = set()  # (pw_hash, digest) pairs already proven
        self._bad: OrderedDict[tuple[str, bytes], None] = OrderedDict()
        self._max_bad = max_failures_cached

    def _digest(self, pw: str) -> bytes:
        return hashlib.blake2b(pw.encode("utf-8", "surrogateescape"), key=self._key, digest_size=16).digest()

    def device(self, mn: str) -> DeviceSettings | None:
        return self._devices.get(mn)

    def _reload_due(self) -> bool:
        return self._reload is not None and time.monotonic() - self._last_reload >= self._reload_every

    def check(self, mn: str, pw: str) -> AuthResult:
        if mn not in self._devices:
            # also while a reload runs: it may bring this MN (devices registered meanwhile)
            return PENDING if self._reloading or self._reload_due() else UNKNOWN_MN
        d = self._digest(pw)
        if self._good.get(mn) == d:
            return OK
        if (mn, d) in self._bad:
            return BAD_PW
        return PENDING

    def verify(self, mn: str, pw: str) -> AuthResult:
        """The slow path (Argon2id, and a registry reload for an unknown MN); runs off the loop.
        Raises only when the registry reload fails (the adapter rejects the packet then)."""
        if mn not in self._devices and self._reload is not None:
            with self._lock:
                if mn not in self._devices and self._reload_due():
                    self._last_reload = time.monotonic()
                    self._reloading = True
                    try:
                        self.update(self._reload())
                    finally:
                        self._reloading = False
        dev = self._devices.get(mn)
        if dev is None:
            return UNKNOWN_MN
        d = self._digest(pw)
        # Devices registered with the very same hash string (bulk registration) share one proof.
        if (dev.pw_hash, d) in self._verified or self._verify_password(dev.pw_hash, pw):
            self._verified.add((dev.pw_hash, d))
            self._good[mn] = d
            return OK
        self._bad[(mn, d)] = None
        while len(self._bad) > self._max_bad:
            self._bad.popitem(last=False)
        return BAD_PW

    def update(self, devices: Mapping[str, DeviceSettings]) -> None:
        """Registry changed (device added, PW reset): forget cached verdicts of changed devices."""
        for mn, dev in devices.items():
            old = self._devices.get(mn)
            if old is None or old.pw_hash != dev.pw_hash:
                self._good.pop(mn, None)
        for mn in set(self._devices) - set(devices):
            self._good.pop(mn, None)
        self._devices = dict(devices)
        self._bad.clear()
        hashes = {v.pw_hash for v in devices.values()}
        self._verified = {(h, d) for h, d in self._verified if h in hashes}
