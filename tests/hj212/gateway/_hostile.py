"""Hostile and broken inputs for the gateway tests (issue 7), and helpers to send them."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from qingshan.hj212.crc import crc16
from qingshan.store.db import make_engine

BEIJING = timezone(timedelta(hours=8))


def frame(seg: bytes) -> bytes:
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


def data_packet(mn: str, datatime: str, pw: str | None = "123456", qn: str = "20261206120000001",
                flag: int = 5) -> bytes:
    pw_field = b"" if pw is None else b"PW=%s;" % pw.encode()
    seg = (b"QN=%s;ST=31;CN=2011;%sMN=%s;Flag=%d;CP=&&DataTime=%s;a21026-Rtd=9.1,a21026-Flag=N&&"
           % (qn.encode(), pw_field, mn.encode(), flag, datatime.encode()))
    return frame(seg)


def beijing_now() -> datetime:
    return datetime.now(BEIJING).replace(tzinfo=None)


async def send(port: int, data: bytes, wait: float = 1.0, chunk: int = 0, pause: float = 0.0) -> bytes:
    """Send ``data`` (optionally ``chunk`` bytes every ``pause`` s) and collect what comes back
    within ``wait`` s after the last byte (or until the gateway closes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    got = bytearray()

    async def collect():
        try:
            while True:
                b = await reader.read(65536)
                if not b:
                    return
                got.extend(b)
        except (ConnectionError, OSError):
            return

    task = asyncio.create_task(collect())
    try:
        if chunk:
            for i in range(0, len(data), chunk):
                writer.write(data[i:i + chunk])
                await writer.drain()
                await asyncio.sleep(pause)
        else:
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    try:
        await asyncio.wait_for(asyncio.shield(task), wait)
    except asyncio.TimeoutError:
        pass
    task.cancel()
    writer.close()
    return bytes(got)


def random_bytes(n: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


def stored_keys(url: str) -> Counter:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mn, cn, datatime, pnum, pno FROM hj212_data")).all()
    engine.dispose()

    def stamp(dt) -> str:  # SQLite returns the stored text, PostgreSQL a datetime
        return dt[:19].translate(str.maketrans("", "", "-: ")) if isinstance(dt, str) else dt.strftime("%Y%m%d%H%M%S")

    return Counter((mn, cn, stamp(dt), pnum, pno) for mn, cn, dt, pnum, pno in rows if dt is not None)


def scalar(url: str, sql: str):
    engine = make_engine(url)
    with engine.connect() as conn:
        v = conn.execute(text(sql)).scalar()
    engine.dispose()
    return v


class LineCounter(logging.Handler):
    """Counts the gateway's log lines (records) by level."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = Counter()
        self.messages: list[str] = []

    def emit(self, record):
        self.count[record.levelname] += 1
        if len(self.messages) < 2000:
            self.messages.append(record.getMessage())

    def __enter__(self):
        lg = logging.getLogger("qingshan.hj212.gateway")
        self._old = lg.level
        lg.setLevel(logging.INFO)
        lg.addHandler(self)
        return self

    def __exit__(self, *exc):
        lg = logging.getLogger("qingshan.hj212.gateway")
        lg.removeHandler(self)
        lg.setLevel(self._old)
