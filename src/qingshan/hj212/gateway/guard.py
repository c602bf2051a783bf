"""Bounds on what hostile or broken peers can cost the gateway (issue 7 items 4 and 6).

Pure bookkeeping with an injectable monotonic clock, no I/O:

* :class:`RejectQuota` — how many bytes of **rejected** input are archived, per connection,
  per peer address and in total, per window. The archive keeps its evidential value (the
  first bytes of every misbehaving connection and peer are there, with their reasons) and
  a bound: what is over quota is counted, not stored. Accepted packets are never subject to
  a quota.
* :class:`LogLimiter` — at most ``per_window`` individual reject lines per window, then one
  summary line with the counts by reason.

Neither ever refuses a peer address as such: many loggers of one site share one NAT address,
and one faulty logger must not cut off the others (the connection caps in the server evict
that peer's connections that never delivered a valid packet first).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Window:
    start: float
    used: int = 0


@dataclass(slots=True)
class QuotaStats:
    archived_events: int = 0
    archived_bytes: int = 0
    truncated_events: int = 0
    dropped_events: int = 0  # counted, not stored
    dropped_bytes: int = 0
    by_reason: Counter = field(default_factory=Counter)


class RejectQuota:
    """Budget of archived rejected bytes.

    Parameters
    ----------
    per_connection, per_peer, total : int
        Bytes of rejected input archived per connection (its lifetime), per peer address and
        over all peers, per ``window`` seconds. Defaults 16 KiB, 256 KiB, 4 MiB per hour.
    min_cost : int
        Every archived event costs at least this many bytes of budget (its row is not free),
        so the number of rows is bounded too: at most ``per_peer / min_cost`` per peer and window.
    min_keep : int
        An event is archived truncated to what is left of the budget, but not below this many
        bytes; with less budget left it is only counted.
    """

    def __init__(self, per_connection: int = 16 * 1024, per_peer: int = 256 * 1024, total: int = 4 * 1024 * 1024,
                 window: float = 3600.0, min_cost: int = 256, min_keep: int = 64,
                 clock: Callable[[], float] = time.monotonic):
        self.per_connection, self.per_peer, self.total = per_connection, per_peer, total
        self.window, self.min_cost, self.min_keep = window, min_cost, min_keep
        self.clock = clock
        self._peers: dict[str, _Window] = {}
        self._total = _Window(clock())
        self.stats = QuotaStats()

    def _win(self, w: _Window, now: float) -> _Window:
        if now - w.start >= self.window:
            w.start, w.used = now, 0
        return w

    def admit(self, peer: str, connection_used: int, nbytes: int, reason: str = "") -> int:
        """How many of ``nbytes`` rejected bytes to archive (0: count only). The caller adds
        the returned cost to its connection's ``used`` via :meth:`cost`."""
        now = self.clock()
        pw = self._peers.get(peer)
        if pw is None:
            if len(self._peers) > 100_000:  # bounded map: forget windows that have run out
                self.sweep()
            pw = self._peers[peer] = _Window(now)
        pw = self._win(pw, now)
        tw = self._win(self._total, now)
        left = min(self.per_connection - connection_used, self.per_peer - pw.used, self.total - tw.used)
        keep = min(nbytes, left)
        if keep < min(nbytes, self.min_keep) or left < self.min_cost:
            self.stats.dropped_events += 1
            self.stats.dropped_bytes += nbytes
            self.stats.by_reason[reason] += 1
            return 0
        cost = self.cost(keep)
        pw.used += cost
        tw.used += cost
        self.stats.archived_events += 1
        self.stats.archived_bytes += keep
        if keep < nbytes:
            self.stats.truncated_events += 1
        return keep

    def cost(self, kept: int) -> int:
        return max(kept, self.min_cost)

    def sweep(self) -> None:
        now = self.clock()
        for peer in [p for p, w in self._peers.items() if now - w.start >= self.window]:
            del self._peers[peer]


class LogLimiter:
    """At most ``per_window`` individual lines per ``window`` seconds; the rest counted by key."""

    def __init__(self, per_window: int = 20, window: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.per_window, self.window, self.clock = per_window, window, clock
        self._start = clock()
        self._n = 0
        self.suppressed: Counter = Counter()
        self.total_suppressed = 0

    def allow(self, key: str) -> bool:
        now = self.clock()
        if now - self._start >= self.window:
            self._start, self._n = now, 0
        if self._n < self.per_window:
            self._n += 1
            return True
        self.suppressed[key] += 1
        self.total_suppressed += 1
        return False

    def take_summary(self) -> Counter | None:
        """The counts suppressed since the last call (None if nothing was suppressed)."""
        if not self.suppressed:
            return None
        out, self.suppressed = self.suppressed, Counter()
        return out
