"""Simulated HJ 212 sites (数采仪): realistic values, an asyncio client, counts of what was acked.

**Synthetic data, clearly labelled**: every value here is generated, never real monitoring
data. Devices are registered under a demo enterprise named “（模拟）…”.

Values (:class:`SimDevice`): flue-gas sources (ST 31) send SO2 a21026, NOx a21002, particulates
a34013 (measured ``Rtd`` and converted ``ZsRtd`` at the measured O2), O2 a19001 and flow
a00000; wastewater sources (ST 32) send COD w01018, NH3-N w21003, pH w01001 and flow w00000
(hj212.md §12.2, §12.3). Each factor follows a daily cycle (peak in the afternoon), with noise,
rare exceedance spikes, and flags per hj212.md §9.3 (mostly N; occasional M, C, D).

Time: each device has a *virtual* clock starting at ``start`` (default: Beijing time one day
ago, so that the replay stays in the past: the gateway quarantines data from the future) and
advancing by ``interval``
(RtdInterval, 30 s) per real-time packet (CN 2011), so a load run replays days of data in
seconds and every packet has its own DataTime (hj212.md §10.5 key). QN is the virtual time
plus milliseconds (§3). With ``hourly_split``, each time the virtual clock passes a full hour
the device also uploads that hour (CN 2061, ``Avg``/``ZsAvg``) split in two parts (Flag 7,
PNUM 2, §10.4).

Client (:func:`run_devices`): one TCP connection per device, at most ``window`` unacknowledged
packets (1 = the stop-and-wait of a real DAU); a packet not answered within ``timeout`` is
resent up to ``retries`` times with the same QN (§10.5), and on a lost connection the device
reconnects and resends what was not acknowledged (the gateway then sees duplicates). Voluntary
reconnects happen with probability ``reconnect_p`` per packet.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from qingshan.hj212.packet import build

GAS_FACTORS = {  # code: (daily mean, relative amplitude, decimals) — mg/m³, %, m³/s
    "a21026": (20.0, 0.25, 2), "a21002": (30.0, 0.2, 2), "a34013": (4.0, 0.3, 2),
}
WATER_FACTORS = {"w01018": (28.0, 0.2, 1), "w21003": (1.2, 0.3, 2), "w01001": (7.3, 0.02, 2)}
FLAG_P = (("M", 0.004), ("C", 0.003), ("D", 0.002))

_QN = re.compile(rb"QN=(\d{17});")


@dataclass
class SimDevice:
    mn: str
    pw: str = "123456"
    kind: str = "gas"  # "gas" (ST 31) | "water" (ST 32)
    seed: int = 0
    start: datetime = datetime(2026, 11, 1)
    interval: timedelta = timedelta(seconds=30)
    exceed_p: float = 0.01
    hourly_split: bool = False
    version: int = 1  # Flag >> 2 (1 = HJ 212—2017)
    i: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    @property
    def st(self) -> str:
        return "31" if self.kind == "gas" else "32"

    def _value(self, mean: float, amp: float, t: datetime) -> float:
        hour = t.hour + t.minute / 60
        v = mean * (1 + amp * math.sin(2 * math.pi * (hour - 8) / 24)) * (1 + self.rng.gauss(0, 0.05))
        if self.rng.random() < self.exceed_p:
            v *= self.rng.uniform(2.0, 4.0)  # an exceedance spike
        return max(v, 0.0)

    def _flag(self) -> str:
        r = self.rng.random()
        for letter, p in FLAG_P:
            if r < p:
                return letter
            r -= p
        return "N"

    def values(self, t: datetime) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        if self.kind == "gas":
            o2 = 9.5 + self.rng.gauss(0, 0.4)
            zs = (21 - 6) / (21 - o2)  # conversion to 6 % O2 (GB 13223 Table 3, coal boilers)
            for code, (mean, amp, dec) in GAS_FACTORS.items():
                v = self._value(mean, amp, t)
                out[code] = {"Rtd": f"{v:.{dec}f}", "ZsRtd": f"{v * zs:.{dec}f}", "Flag": self._flag()}
            out["a19001"] = {"Rtd": f"{o2:.2f}", "Flag": "N"}
            out["a00000"] = {"Rtd": f"{self._value(50.0, 0.1, t):.1f}", "Flag": "N"}
        else:
            for code, (mean, amp, dec) in WATER_FACTORS.items():
                out[code] = {"Rtd": f"{self._value(mean, amp, t):.{dec}f}", "Flag": self._flag()}
            out["w00000"] = {"Rtd": f"{self._value(17.5, 0.3, t):.1f}", "Flag": "N"}
        return out

    def next_packets(self) -> list[tuple[bytes, tuple, str]]:
        """The next upload(s): ``[(bytes, dedup key, qn)]`` (two parts for a split upload)."""
        self.i += 1
        t = self.start + self.interval * self.i
        dt = t.strftime("%Y%m%d%H%M%S")
        flag = (self.version << 2) | 1
        qn = f"{dt}{self.i % 1000:03d}"
        cp = {"DataTime": dt, **self.values(t)}
        pkt = build(qn=qn, st=self.st, cn="2011", pw=self.pw, mn=self.mn, flag=flag, cp=cp, check=False)
        out = [(pkt, (self.mn, "2011", dt, 1, 1), qn)]
        prev = t - self.interval
        if self.hourly_split and prev.hour != t.hour:
            # the hour just ended, labelled by its start (hj212.md §11), in two parts (§10.4)
            hour = t.replace(minute=0, second=0) - timedelta(hours=1)
            hdt = hour.strftime("%Y%m%d%H%M%S")
            vals = self.values(hour)
            codes = list(vals)
            half = (len(codes) + 1) // 2
            for pno, part in ((1, codes[:half]), (2, codes[half:])):
                pqn = f"{dt}{(self.i + pno) % 1000:03d}"
                pcp = {"DataTime": hdt}
                for c in part:
                    pcp[c] = {("Avg" if k == "Rtd" else "ZsAvg" if k == "ZsRtd" else k): v for k, v in vals[c].items()}
                ppkt = build(qn=pqn, st=self.st, cn="2061", pw=self.pw, mn=self.mn, flag=flag | 2, cp=pcp, pnum=2,
                             pno=pno, check=False)
                out.append((ppkt, (self.mn, "2061", hdt, 2, pno), pqn))
        return out


@dataclass
class SimResult:
    sent: int = 0  # distinct packets sent
    resent: int = 0  # retransmissions (timeout or reconnect)
    acked: int = 0
    rejected: int = 0  # never acknowledged after every retry
    reconnects: int = 0
    seconds: float = 0.0
    acked_keys: list[tuple] = field(default_factory=list)
    acked_qns: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        return {"sent": self.sent, "acked": self.acked, "rejected": self.rejected, "seconds": round(self.seconds, 3)}


async def _device_loop(dev: SimDevice, host: str, port: int, deadline: float, res: SimResult, pace: float,
                       window: int, timeout: float, retries: int, reconnect_p: float, max_packets: int | None,
                       dup_p: float) -> None:
    rng = random.Random(dev.seed + 7)
    pending: dict[str, list] = {}  # qn -> [bytes, key, first_sent, tries]
    queue: list[tuple[bytes, tuple, str]] = []
    produced = 0
    reader = writer = None
    next_send = time.monotonic()

    async def connect():
        nonlocal reader, writer
        for attempt in range(50):
            try:
                reader, writer = await asyncio.open_connection(host, port)
                return
            except OSError:
                await asyncio.sleep(0.05 * (attempt + 1))
        raise ConnectionError(f"无法连接 {host}:{port}")

    await connect()
    ack_event = asyncio.Event()

    async def read_acks(r: asyncio.StreamReader):
        try:
            while True:
                line = await r.readuntil(b"\r\n")
                m = _QN.search(line)
                if m is None or b"CN=9014" not in line:
                    continue
                qn = m.group(1).decode()
                item = pending.pop(qn, None)
                if item is not None:
                    res.acked += 1
                    res.acked_keys.append(item[1])
                    res.acked_qns.append(qn)
                    res.latencies.append(time.monotonic() - item[2])
                    if dup_p and rng.random() < dup_p:
                        queue.append((item[0], item[1], "dup"))  # DAU missed the ACK: resend it
                ack_event.set()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            ack_event.set()

    reader_task = asyncio.create_task(read_acks(reader))
    try:
        while True:
            now = time.monotonic()
            finished = now >= deadline or (max_packets is not None and produced >= max_packets)
            if finished and not pending and not queue:
                break
            if finished and now >= deadline + timeout * (retries + 1):
                break
            # lost connection: reconnect and resend everything unacknowledged
            if reader_task.done():
                res.reconnects += 1
                writer.close()
                await connect()
                reader_task = asyncio.create_task(read_acks(reader))
                for qn, item in pending.items():
                    writer.write(item[0])
                    item[3] += 1
                    res.resent += 1
            # retransmit timed-out packets, give up after `retries`
            for qn, item in list(pending.items()):
                if now - item[2] > timeout * (item[3] + 1):
                    if item[3] >= retries:
                        pending.pop(qn)
                        res.rejected += 1
                    else:
                        item[3] += 1
                        res.resent += 1
                        writer.write(item[0])
            if queue and len(pending) < window:
                pkt, key, qn = queue.pop(0)
                if qn == "dup":
                    writer.write(pkt)
                    res.resent += 1
                    continue
            elif not finished and len(pending) < window and now >= next_send:
                for pkt, key, qn in dev.next_packets():
                    produced += 1
                    res.sent += 1
                    pending[qn] = [pkt, key, time.monotonic(), 0]
                    writer.write(pkt)
                next_send = max(next_send + pace, now - 1.0) if pace else now
                if reconnect_p and rng.random() < reconnect_p:
                    await writer.drain()
                    writer.close()  # voluntary reconnect (a flaky 4G link)
                    await asyncio.sleep(0)
                continue
            ack_event.clear()
            if finished or len(pending) >= window:
                wait = timeout / 4  # woken by the next ACK; wake anyway to retransmit
            else:
                wait = min(timeout / 4, next_send - now)  # pacing
            try:
                await asyncio.wait_for(ack_event.wait(), timeout=max(wait, 0.001))
            except asyncio.TimeoutError:
                pass
    finally:
        reader_task.cancel()
        try:
            writer.close()
        except (OSError, RuntimeError):  # the transport is already gone or its loop closed
            pass


def make_devices(n: int, *, prefix: str = "5A4D", seed: int = 1, pw: str = "123456", water_every: int = 4,
                 hourly_split: bool = False, start: datetime | None = None, exceed_p: float = 0.01,
                 interval: timedelta = timedelta(seconds=30)) -> list[SimDevice]:
    """``n`` simulated devices with MNs ``<prefix><20 hex digits>`` (24 hex, §3)."""
    if start is None:
        # Station local time (hj212.md §11) one day ago: the virtual clock runs ahead of the
        # real one (30 s of data per packet), and the gateway quarantines data stamped in the
        # future (TimeWindow.future_tolerance); a day back keeps a load run of minutes in the
        # past and inside the gateway's live alarm window (2 days).
        now = datetime.now(timezone(timedelta(hours=8))).replace(tzinfo=None) - timedelta(days=1)
        start = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
    return [SimDevice(mn=f"{prefix}{i:020X}", pw=pw, kind="water" if water_every and i % water_every == 3 else "gas",
                      seed=seed * 100003 + i, start=start, hourly_split=hourly_split, exceed_p=exceed_p,
                      interval=interval)
            for i in range(n)]


async def run_devices(devices: list[SimDevice], host: str, port: int, *, rate: float = 0.0, duration: float = 5.0,
                      window: int = 1, timeout: float = 5.0, retries: int = 3, reconnect_p: float = 0.0,
                      max_packets: int | None = None, dup_p: float = 0.0) -> SimResult:
    """Run every device concurrently for ``duration`` seconds (or ``max_packets`` each).

    ``rate`` is the target total packets/s over all devices (0 = as fast as ACKs allow).
    """
    res = SimResult()
    pace = (len(devices) / rate) if rate else 0.0
    t0 = time.monotonic()
    deadline = t0 + duration
    await asyncio.gather(*(_device_loop(d, host, port, deadline, res, pace, window, timeout, retries, reconnect_p,
                                        max_packets, dup_p) for d in devices))
    res.seconds = time.monotonic() - t0
    return res


def register_devices(url: str, devices: list[SimDevice]) -> int:
    """Register the simulated devices under one demo enterprise (labelled 模拟), with limits:
    ultra-low emission (环发〔2015〕164号) for flue gas, GB 18918 class 1A for wastewater."""
    from sqlalchemy.orm import Session

    from qingshan.sources import registry
    from qingshan.sources.models import Device
    from qingshan.sources.uscc import check_char
    from qingshan.store.db import make_engine

    engine = make_engine(url)
    base = "91140200MA0XY7N01"  # 91 企业, 140200 大同市 — a made-up code with a valid check character
    try:
        with Session(engine) as s:
            ent = registry.add_enterprise(s, "（模拟）大同演示排污单位", base + check_char(base), "模拟数据", "140213")
            gas = registry.add_outlet(s, ent, "SIM-DA001", "gas", "（模拟）废气排放口", 113.30, 40.09)
            water = registry.add_outlet(s, ent, "SIM-DW001", "water", "（模拟）废水排放口", 113.31, 40.08)
            registry.apply_limit_set(s, gas, "ultra_low_2015")
            registry.apply_limit_set(s, water, "gb18918_2002_1a")
            hashes: dict[str, str] = {}
            existing = {d.mn: d for d in s.query(Device).filter(Device.mn.in_([d.mn for d in devices]))}
            for d in devices:
                registry.validate_mn(d.mn)
                h = hashes.get(d.pw) or hashes.setdefault(d.pw, registry.hash_password(d.pw))
                row = existing.get(d.mn) or Device(mn=d.mn)
                row.pw_hash, row.st, row.version, row.datatime_label, row.active = h, d.st, d.version, "start", True
                row.outlet_id = gas.id if d.kind == "gas" else water.id
                s.add(row)
            s.commit()
    finally:
        engine.dispose()
    return len(devices)
