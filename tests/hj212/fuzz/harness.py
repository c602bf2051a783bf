"""Fuzz targets of the HJ 212 codec and the gateway's protocol object, shared by the hypothesis
tests (tests/hj212/test_fuzz.py) and the atheris runner (atheris_main.py beside this file).

The properties: no input makes the codec raise anything but its typed ``HJ212Error``; the
stream decoder and the protocol object never raise, never buffer more than their bounds, and
every event they emit can be turned into an archive row (the year-0000 DataTime that killed the
writer, issue 7 item 1, was an event that could not).
"""

from __future__ import annotations

from datetime import datetime

from qingshan.hj212.errors import HJ212Error
from qingshan.hj212.framing import StreamDecoder
from qingshan.hj212.gateway.auth import Authenticator
from qingshan.hj212.gateway.events import AuthNeeded, Verdict
from qingshan.hj212.gateway.protocol import GatewayProtocol, TimeWindow
from qingshan.hj212.packet import MAX_PACKET, parse
from qingshan.sources.devices import DeviceSettings

MN = "32010000000000000000A001"
SEEDS = [
    b"##0279QN=20240315143000123;ST=22;CN=2011;PW=123456;MN=32010000000000000000A001;Flag=5;CP=&&"
    b"DataTime=20240315143000;a21026-Rtd=9,a21026-Flag=N;a21004-Rtd=38,a21004-Flag=N;a21005-Rtd=0.7,"
    b"a21005-Flag=N;a05024-Rtd=112,a05024-Flag=N;a34002-Rtd=66,a34002-Flag=N;a34004-Rtd=41,a34004-Flag=N&&6FC0\r\n",
    b"##0087QN=20240315143000123;ST=91;CN=9014;PW=123456;MN=32010000000000000000A001;Flag=4;CP=&&&&6FC0\r\n",
    b"##0201QN=20240315150000002;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=1;"
    b"CP=&&DataTime=20240315140000;w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,"
    b"w00000-Flag=N&&CD41\r\n",
]


def _authenticator() -> Authenticator:
    devices = {mn: DeviceSettings(mn, "h", "22", 1, "start", None)
               for mn in (MN, "320100000000000000002B01")}
    return Authenticator(devices, lambda pw_hash, pw: pw == "123456")


def codec_target(data: bytes) -> None:
    for lenient in (False, True):
        try:
            p = parse(data, lenient=lenient)
        except HJ212Error:
            continue
        p.datatime  # noqa: B018 — the normalised DataTime must not raise either
        p.as_dict()


def decoder_target(data: bytes, cut: int) -> None:
    dec = StreamDecoder(lenient=True)
    step = max(1, cut)
    for i in range(0, len(data), step):
        dec.feed(data[i:i + step])
        assert dec.buffered <= MAX_PACKET
    dec.close()


def protocol_target(data: bytes, cut: int, now: datetime = datetime(2024, 3, 15, 7, 0)) -> None:
    auth = _authenticator()
    proto = GatewayProtocol(auth, clock=lambda: now, time_window=TimeWindow())
    step = max(1, cut)
    for i in range(0, len(data), step):
        proto.receive_data(data[i:i + step])
        _settle(proto)
        assert proto.buffered <= MAX_PACKET
        if proto.closed:
            break
    proto.receive_eof()
    _settle(proto)
    proto.data_to_send()


def _settle(proto: GatewayProtocol) -> None:
    while evs := proto.events_received():
        for ev in evs:
            if isinstance(ev, AuthNeeded):
                proto.auth_done(proto.auth.verify(ev.mn, ev.pw))
                continue
            item = ev.archive_item("203.0.113.9:4000")  # must never raise (the writer's input)
            assert item.verdict in set(Verdict)
            assert (item.datatime is not None) == (ev.store and "DataTime" in ev.packet.cp) or not ev.store
            proto.acknowledge(ev)
