"""Sans-I/O protocol object: framing, verification, byte-exact replies (hj212.md §4, §10, §15)."""

from __future__ import annotations

import pytest

from qingshan.hj212.gateway.auth import Authenticator
from qingshan.hj212.gateway.protocol import AuthNeeded, GatewayProtocol, PacketEvent
from qingshan.sources.devices import DeviceSettings
from qingshan.sources.registry import hash_password, verify_password

# hj212.md §15
P2 = (b"##0279QN=20240315143000123;ST=22;CN=2011;PW=123456;MN=32010000000000000000A001;Flag=5;CP=&&"
      b"DataTime=20240315143000;a21026-Rtd=9,a21026-Flag=N;a21004-Rtd=38,a21004-Flag=N;a21005-Rtd=0.7,"
      b"a21005-Flag=N;a05024-Rtd=112,a05024-Flag=N;a34002-Rtd=66,a34002-Flag=N;a34004-Rtd=41,a34004-Flag=N&&6FC0\r\n")
P6 = b"##0087QN=20240315143000123;ST=91;CN=9014;PW=123456;MN=32010000000000000000A001;Flag=4;CP=&&&&6FC0\r\n"
P5 = (b"##0201QN=20240315150000002;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=1;"
      b"CP=&&DataTime=20240315140000;w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,"
      b"w00000-Flag=N&&CD41\r\n")
P8 = (b"##0201QN=20240315150000003;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=2;"
      b"CP=&&DataTime=20240315140000;w01018-Cou=1.76,w01018-Min=25.1,w01018-Avg=28.0,w01018-Max=31.2,"
      b"w01018-Flag=N&&A141\r\n")
# hj212.md §B.10 A.1: a 2025 packet (Flag 9: version 2, reply requested)
A1 = b"##0087QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&2200\r\n"

H = hash_password("123456")
DEVICES = {mn: DeviceSettings(mn, H, "32", 1, "start", None)
           for mn in ("32010000000000000000A001", "320100000000000000002B01", "010000A8900016F000169DC0")}


@pytest.fixture(scope="module")
def auth():
    return Authenticator(DEVICES, verify_password)


def run(proto: GatewayProtocol, data: bytes, chunks: int = 1) -> list[PacketEvent]:
    """Feed ``data`` in ``chunks`` pieces, resolve authentication inline, ack every event."""
    events: list[PacketEvent] = []
    step = max(1, len(data) // chunks)
    for i in range(0, len(data), step):
        proto.receive_data(data[i:i + step])
        while True:
            evs = proto.events_received()
            if not evs:
                break
            for ev in evs:
                if isinstance(ev, AuthNeeded):
                    proto.auth.verify(ev.mn, ev.pw)
                    proto.auth_done()
                else:
                    events.append(ev)
    for ev in events:
        proto.acknowledge(ev)
    return events


def test_p2_answered_with_p6_byte_exact(auth):
    proto = GatewayProtocol(auth)
    [ev] = run(proto, P2)
    assert ev.verdict == "accepted" and ev.store
    assert proto.data_to_send() == [P6]  # QN echoed, ST 91, Flag 4 = (5 >> 2) << 2


def test_no_reply_before_acknowledge(auth):
    proto = GatewayProtocol(auth)
    proto.receive_data(P2)
    evs = proto.events_received()
    evs = evs if not isinstance(evs[0], AuthNeeded) else (proto.auth.verify("32010000000000000000A001", "123456"),
                                                         proto.auth_done(), proto.events_received())[2]
    assert proto.data_to_send() == []
    proto.acknowledge(evs[0])
    assert proto.data_to_send() == [P6]


def test_reply_flag_follows_peer_version(auth):
    proto = GatewayProtocol(auth)
    [ev] = run(proto, A1)
    [reply] = proto.data_to_send()
    assert b"QN=20240601085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=8;CP=&&&&" in reply
    no_a = P2.replace(b"Flag=5", b"Flag=4")  # CRC now wrong: rebuild properly
    from qingshan.hj212.packet import build, parse
    p = parse(P2)
    proto2 = GatewayProtocol(auth)
    run(proto2, build(p, flag=4))
    assert proto2.data_to_send() == []  # A = 0: no reply (§4)
    assert no_a != P2


def test_split_parts_each_answered_with_own_qn_and_distinct_keys(auth):
    proto = GatewayProtocol(auth)
    e5, e8 = run(proto, P5 + P8, chunks=7)  # several packets per read, packets split across reads
    r5, r8 = b"".join(proto.data_to_send()).split(b"\r\n")[:2]
    assert b"QN=20240315150000002;ST=91;CN=9014" in r5 and b"Flag=4" in r5
    assert b"QN=20240315150000003;ST=91;CN=9014" in r8
    assert e5.key == ("320100000000000000002B01", "2061", "20240315140000", 2, 1)
    assert e8.key == ("320100000000000000002B01", "2061", "20240315140000", 2, 2)


def test_rejects_with_precise_reasons(auth):
    proto = GatewayProtocol(auth)
    bad_crc = P2[:-6] + b"6FC1\r\n"
    unknown = P2.replace(b"A001", b"A002")
    from qingshan.hj212.packet import build, parse
    unknown = build(parse(P2), mn="32010000000000000000A002")
    bad_pw = build(parse(P2), pw="654321")
    evs = run(proto, b"xx" + bad_crc + unknown + bad_pw + P2)
    kinds = [(e.verdict, e.reason_code) for e in evs]
    assert kinds == [("rejected", "garbage"), ("rejected", "crc_mismatch"), ("rejected", "unknown_mn"),
                     ("rejected", "bad_pw"), ("accepted", None)]
    assert "32010000000000000000A002" in evs[2].reason and evs[2].fields["MN"] == "32010000000000000000A002"
    assert "密码" in evs[3].reason
    assert proto.data_to_send() == [P6]  # only the good packet is answered
    items = [e.archive_item("127.0.0.1:1") for e in evs]
    assert items[1].reason.startswith("crc_mismatch") and items[1].raw == bad_crc and not items[1].store


def test_wrong_length_lenient_kept_strict_resyncs(auth):
    broken = b"##0300" + P2[6:]  # declares 300 bytes, trailer comes earlier; CRC intact
    proto = GatewayProtocol(auth)  # lenient (default): kept, answered, the deviation archived
    evs = run(proto, broken + P2)
    assert [e.verdict for e in evs] == ["accepted", "accepted"]
    assert evs[0].reason_code == "deviations" and "length_mismatch" in evs[0].reason
    assert proto.data_to_send() == [P6, P6]
    proto = GatewayProtocol(auth, strict=True)  # serve --strict
    evs = run(proto, broken + P2)
    assert [(e.verdict, e.reason_code) for e in evs] == [("rejected", "length_mismatch"), ("accepted", None)]
    assert proto.data_to_send() == [P6]


def _seg(p: bytes) -> bytes:
    return p[6:-6]


def _frame(seg: bytes, crc: bytes | None = None) -> bytes:
    from qingshan.hj212.crc import crc16

    return b"##%04d" % len(seg) + seg + (crc if crc is not None else b"%04X" % crc16(seg)) + b"\r\n"


MN_S = "32010000000000000000A00B"  # registered strict
MN_V = "32010000000000000000A00C"  # registered with the Modbus CRC variant (hj212.md §6a)
MN_5 = "32010000000005"  # a 2005 device (14-character MN, hj212.md §13)


@pytest.fixture
def auth2():
    devs = dict(DEVICES)
    devs[MN_S] = DeviceSettings(MN_S, H, "22", 1, "start", None, strict=True)
    devs[MN_V] = DeviceSettings(MN_V, H, "22", 1, "start", None, crc_variant="modbus")
    devs[MN_5] = DeviceSettings(MN_5, H, "22", 0, "start", None)
    return Authenticator(devs, verify_password)


def test_lenient_by_default_per_device_strict(auth2):
    # the issue: wrong DataTime formats are kept by default and the deviation archived with
    # the raw packet; a device registered strict has the same packet refused
    seg = _seg(P2).replace(b"DataTime=20240315143000", b"DataTime=2024-03-15 14:30:00")
    loose = _frame(seg)
    strict = _frame(seg.replace(b"32010000000000000000A001", MN_S.encode()))
    proto = GatewayProtocol(auth2)
    ok, refused = run(proto, loose + strict)
    assert ok.verdict == "accepted" and ok.store and ok.key[2] == "20240315143000"
    item = ok.archive_item("127.0.0.1:1")
    assert item.verdict == "accepted" and item.raw == loose and item.reason.startswith("deviations: ")
    assert "DataTime" in item.reason
    assert refused.verdict == "rejected" and refused.reason_code == "bad_datatime" and "严格" in refused.reason
    assert len(proto.data_to_send()) == 1  # only the accepted one is answered


def test_crc_without_leading_zeros_kept_mismatch_never(auth2):
    from qingshan.hj212.crc import crc16

    # find a P2-like packet whose CRC has a leading zero
    for i in range(1000):
        seg = _seg(P2).replace(b"a21026-Rtd=9,", b"a21026-Rtd=%d," % i)
        if crc16(seg) < 0x1000:
            break
    short = _frame(seg, b"%X" % crc16(seg))
    assert len(short) == len(_frame(seg)) - 1
    bad = _frame(seg, b"%04X" % (crc16(seg) ^ 1))
    proto = GatewayProtocol(auth2)
    evs = run(proto, short + bad)
    assert [(e.verdict, e.reason_code) for e in evs] == [("accepted", "deviations"), ("rejected", "crc_mismatch")]
    assert "bad_crc_field" in evs[0].reason or "crc" in evs[0].reason.lower()


def test_crc_variant_only_for_the_device_registered_with_it(auth2):
    from qingshan.hj212.crc import crc16_modbus

    seg_v = _seg(P2).replace(b"32010000000000000000A001", MN_V.encode())
    seg_n = _seg(P2)
    with_variant = _frame(seg_v, b"%04X" % crc16_modbus(seg_v))
    other = _frame(seg_n, b"%04X" % crc16_modbus(seg_n))  # same algorithm, device not configured
    proto = GatewayProtocol(auth2)
    evs = run(proto, with_variant + other)
    assert [(e.verdict, e.reason_code) for e in evs] == [("accepted", "deviations"), ("rejected", "crc_mismatch")]
    assert "crc_variant" in evs[0].reason
    proto = GatewayProtocol(auth2, strict=True)  # strict never accepts a non-standard CRC
    assert [e.verdict for e in run(proto, with_variant)] == ["rejected"]


def test_2005_packet_without_flag_is_stored_without_reply(auth2):
    seg = (b"QN=20240315143000123;ST=22;CN=2011;PW=123456;MN=" + MN_5.encode() +
           b";CP=&&DataTime=20240315143000;a21026-Rtd=9,a21026-Flag=N&&")
    proto = GatewayProtocol(auth2)
    [ev] = run(proto, _frame(seg))
    assert ev.verdict == "accepted" and ev.store and ev.reply is None
    item = ev.archive_item("127.0.0.1:1")
    assert item.store and item.flag is None and item.datatime is not None
    assert proto.data_to_send() == []


def test_rejected_packet_archives_the_header_flag(auth):
    # a CP item "xxxxxx-Flag=N" must not overwrite the header Flag=5 in the archive columns
    bad_crc = P2[:-6] + b"6FC1\r\n"
    proto = GatewayProtocol(auth)
    [ev] = run(proto, bad_crc)
    item = ev.archive_item("127.0.0.1:1")
    assert ev.verdict == "rejected" and item.flag == 5 and item.mn == "32010000000000000000A001"
    assert item.cn == "2011" and item.st == "22" and item.qn == "20240315143000123"


def test_buffer_is_bounded(auth):
    proto = GatewayProtocol(auth)
    proto.receive_data(b"#" * 10)
    assert proto._decoder.buffered < 6  # never more than an incomplete header
    proto.receive_data(b"garbage without header " * 1000)
    assert proto._decoder.buffered <= 2
    proto.receive_data(b"##1000" + b"x" * 5000)
    assert proto._decoder.buffered <= 1036


def test_heartbeat_and_notify_get_9013_and_are_not_stored(auth):
    from qingshan.hj212.packet import build

    mn = "010000A8900016F000169DC0"
    hb9 = build(qn="20240601085857224", st="91", cn="9015", pw="123456", mn=mn, flag=9, cp={})
    hb8 = build(qn="20240601085857225", st="91", cn="9015", pw="123456", mn=mn, flag=8, cp={})
    note = build(qn="20240601085857226", st="32", cn="1013", pw="123456", mn=mn, flag=5, cp={})
    proto = GatewayProtocol(auth)
    evs = run(proto, hb9 + hb8 + note)
    assert [e.store for e in evs] == [False, False, False] and all(e.key is None for e in evs)
    r1, r2 = proto.data_to_send()  # §B.9 item 3: the Flag-8 heartbeat is not answered (by_flag)
    assert b"QN=20240601085857224;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=8;CP=&&&&" in r1
    assert b"QN=20240601085857226;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&" in r2
    always = GatewayProtocol(auth, heartbeat_reply="always")
    run(always, hb8)
    assert len(always.data_to_send()) == 1


def test_archive_fields_always_fit_the_columns(auth):
    # a garbage run with NUL bytes and over-long "fields": PostgreSQL refuses NUL in text and
    # enforces VARCHAR sizes; one such packet must never make a whole batch fail
    junk = b"##0100QN=\x00" + b"9" * 40 + b";ST=" + b"Z" * 40 + b";CN=12345678901;MN=" + b"A" * 60 + b";Flag=5;" + b"\r\n"
    proto = GatewayProtocol(auth)
    evs = run(proto, b"\x00\x01" + junk)
    items = [e.archive_item("[" + "f" * 100 + "]:1") for e in evs]
    assert all(i.verdict == "rejected" for i in items)
    for i in items:
        for value, size in ((i.mn, 32), (i.st, 4), (i.cn, 8), (i.qn, 24), (i.peer, 64), (i.reason, 300)):
            assert value is None or (len(value) <= size and "\x00" not in value)


def test_fast_reply_equals_the_codecs_response_for():
    from qingshan.hj212.packet import build, parse
    from qingshan.hj212.gateway.protocol import reply_bytes
    from qingshan.hj212.responses import response_for

    mn = "010000A8900016F000169DC0"
    packets = [parse(x) for x in (P2, P5, P8, A1)]
    for cn, flag, st in (("9015", 9, "91"), ("9015", 8, "91"), ("1013", 5, "32"), ("1013", 4, "32"),
                         ("9014", 5, "91"), ("9011", 4, "91"), ("2061", 1, "32"), ("2011", 0, "32"),
                         ("3020", 5, "32"), ("2011", 9, "31")):
        packets.append(parse(build(qn="20240601085857224", st=st, cn=cn, pw="123456", mn=mn, flag=flag, cp={})))
    for p in packets:
        for hb in ("by_flag", "always"):
            assert reply_bytes(p, hb) == response_for(p, heartbeat_reply=hb), (p.cn, p.flag, hb)


# --- issue 7: poison packets at the protocol level -------------------------------------------

def _at(now):
    from datetime import datetime as _dt

    return lambda: _dt(*now)


def _p2_with(datatime: bytes | None = None, pw: bytes | None = b"123456") -> bytes:
    seg = _seg(P2)
    if datatime is not None:
        seg = seg.replace(b"DataTime=20240315143000", b"DataTime=" + datatime)
    if pw is None:
        seg = seg.replace(b"PW=123456;", b"")
    return _frame(seg)


def test_year_0000_rejected_by_the_codec_and_the_protocol(auth):
    from qingshan.hj212.errors import BadDataTime
    from qingshan.hj212.packet import parse

    with pytest.raises(BadDataTime):
        parse(_p2_with(b"00000101000000"))  # strict parsing accepted year 0000 before
    proto = GatewayProtocol(auth)
    [ev] = run(proto, _p2_with(b"00000101000000"))
    assert (ev.verdict, ev.reason_code, ev.reply) == ("rejected", "bad_datatime", None)
    ev.archive_item("127.0.0.1:1")  # never raises (it killed the writer task before)


def test_missing_pw_rejected_with_9011_and_never_sent_for_verification(auth):
    proto = GatewayProtocol(auth)
    proto.receive_data(_p2_with(pw=None))
    [ev] = proto.events_received()  # no AuthNeeded: nothing to verify
    assert (ev.verdict, ev.reason_code) == ("rejected", "missing_pw")
    proto.acknowledge(ev)
    [reply] = proto.data_to_send()
    assert reply.startswith(b"##") and b"CN=9011;MN=32010000000000000000A001;Flag=4;CP=&&QnRtn=3&&" in reply
    from qingshan.hj212.packet import parse

    assert parse(reply, lenient=True).cp == {"QnRtn": "3"}


def test_failed_verification_rejects_the_packet_instead_of_requeueing_it():
    from qingshan.hj212.gateway.auth import Authenticator as A

    def broken(_h, _p):
        raise RuntimeError("registry down")

    proto = GatewayProtocol(A(DEVICES, broken))
    proto.receive_data(P2)
    [need] = proto.events_received()
    assert isinstance(need, AuthNeeded)
    proto.auth_done(error=True)
    [ev] = proto.events_received()
    assert (ev.verdict, ev.reason_code) == ("rejected", "auth_error") and not proto.waiting_for_auth
    assert proto.events_received() == []


def test_datatime_window_and_future_quarantine(auth):
    from qingshan.hj212.gateway.protocol import TimeWindow

    # received 2024-03-15 06:30 UTC = 14:30 Beijing, the DataTime of P2
    proto = GatewayProtocol(auth, clock=_at((2024, 3, 15, 6, 30)), time_window=TimeWindow())
    evs = run(proto, P2 + _p2_with(b"00260601001030") + _p2_with(b"20240315163000") + _p2_with(b"20240318000000")
              + _p2_with(b"20240315143900"))
    assert [(e.verdict, e.reason_code) for e in evs] == [
        ("accepted", None), ("rejected", "datatime_window"), ("quarantine", "future_datatime"),
        ("rejected", "datatime_window"), ("accepted", None)]  # 9 minutes ahead: within the tolerance
    assert evs[2].reply is not None and not evs[2].store and evs[2].archive_item("x").verdict == "quarantine"
    assert len(proto.data_to_send()) == 3  # the accepted ones and the quarantined one


def test_repeated_garbage_closes_and_a_partial_frame_is_reported_at_eof(auth):
    proto = GatewayProtocol(auth, max_rejects_in_a_row=3)
    run(proto, P2[:-6] + b"6FC1\r\n")  # one bad CRC
    run(proto, P2)  # a good packet resets the count
    assert not proto.closed
    run(proto, (P2[:-6] + b"6FC1\r\n") * 3)
    assert proto.closed and proto.close_reason == "repeated_rejects"
    proto = GatewayProtocol(auth)
    proto.receive_data(P2[:100])
    assert proto.events_received() == [] and proto.buffered == 100
    proto.receive_eof()
    [ev] = proto.events_received()
    assert ev.verdict == "rejected" and ev.raw == P2[:100] and "未完成的帧" in ev.reason


def test_a_whole_packet_without_its_tail_at_eof_is_archived_not_a_crash(auth):
    # The lenient decoder parses a frame lacking only CR LF; at EOF it used to reach
    # ``ev.error`` of a PacketReceived (AttributeError in the connection's clean-up).
    proto = GatewayProtocol(auth)
    proto.receive_data(P2[:-2])
    assert proto.events_received() == []
    proto.receive_eof()
    [ev] = proto.events_received()
    assert (ev.verdict, ev.reason_code, ev.raw) == ("rejected", "bad_tail", P2[:-2])
    assert "未完成的帧" in ev.reason and ev.reply is None and proto.closed


def test_a_backlog_burst_while_verifying_is_kept(auth):
    from qingshan.hj212.gateway.auth import Authenticator as A
    from qingshan.sources.registry import verify_password as vp

    proto = GatewayProtocol(A(DEVICES, vp))
    proto.receive_data(P2 * 800)  # ~230 KB in one read, first packet not verified yet
    assert not proto.closed
    evs = []
    while got := proto.events_received():
        for ev in got:
            if isinstance(ev, AuthNeeded):
                proto.auth_done(proto.auth.verify(ev.mn, ev.pw))
            else:
                evs.append(ev)
    assert len(evs) == 800 and all(e.verdict == "accepted" for e in evs)


def test_packets_queued_behind_a_verification_are_decided_after_the_peer_left():
    from qingshan.hj212.gateway.auth import Authenticator as A
    from qingshan.sources.registry import verify_password as vp

    proto = GatewayProtocol(A(DEVICES, vp))
    proto.receive_data(P2 * 3 + P2[:50])
    [need] = proto.events_received()
    proto.receive_eof()  # the device disconnects while its first packet is being verified
    proto.auth_done(proto.auth.verify(need.mn, need.pw))
    evs = proto.events_received()
    assert sorted(e.verdict for e in evs) == ["accepted"] * 3 + ["rejected"]  # + the partial frame
