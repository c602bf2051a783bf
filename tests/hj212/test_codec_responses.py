"""Replies (9011–9014), reply Flag rule, dedup and reassembly keys (hj212.md §4, §10)."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

from qingshan.hj212 import build, parse
from qingshan.hj212 import errors as E
from qingshan.hj212 import responses as R

_spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
_ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ex)
EXAMPLES, A1_2025 = _ex.EXAMPLES, _ex.A1_2025


def test_p6_is_the_data_reply_to_p2():
    assert R.data_response(parse(EXAMPLES["P2"])) == EXAMPLES["P6"]
    assert R.response_for(parse(EXAMPLES["P2"])) == EXAMPLES["P6"]


def test_p7_is_the_request_reply_to_p1():
    assert R.request_response(parse(EXAMPLES["P1"]), qn_rtn=1) == EXAMPLES["P7"]


def test_execution_result_echoes_the_request():
    p = parse(R.execution_result(parse(EXAMPLES["P1"]), exe_rtn=100))
    assert (p.qn, p.st, p.cn, p.pw, p.mn, p.flag) == (
        "20160801085857223", "91", "9012", "100000", "010000A8900016F000169DC0", 4,
    )  # fmt: skip
    assert p.cp == {"ExeRtn": "100"}
    with pytest.raises(ValueError):
        R.execution_result(parse(EXAMPLES["P1"]), exe_rtn=7)
    with pytest.raises(ValueError):
        R.request_response(parse(EXAMPLES["P1"]), qn_rtn=11)


@pytest.mark.parametrize(("flag", "reply"), [(5, 4), (7, 4), (4, 4), (9, 8), (11, 8), (1, 0), (3, 0), (0, 0), (None, 0)])
def test_reply_flag_keeps_only_the_version_bits(flag, reply):
    assert R.reply_flag(flag) == reply


def test_2025_and_2005_peers_get_their_version_in_the_reply():
    p = parse(A1_2025)
    r = parse(R.data_response(p))
    assert r.flag == 8 and r.qn == p.qn and r.cn == "9014"
    seg = "QN=20040516010101001;ST=32;CN=2011;PW=123456;MN=88888880000001;Flag=1;CP=&&DataTime=20040516020111;011-Rtd=1&&"
    legacy = build(qn="20040516010101001", st="32", cn="2011", pw="123456", mn="88888880000001", flag=1,
                   cp={"DataTime": "20040516020111", "011-Rtd": "1"})  # fmt: skip
    assert seg.encode() in legacy
    reply = R.response_for(parse(legacy))
    assert b";MN=88888880000001;Flag=0;CP=&&&&" in reply
    assert parse(reply).flag == 0


def test_no_reply_without_bit_a_and_never_to_replies():
    for name in ("P6", "P7"):
        assert R.response_for(parse(EXAMPLES[name])) is None
    no_a = parse(build(parse(EXAMPLES["P2"]), flag=4))
    assert R.response_for(no_a) is None


def test_split_parts_are_each_answered_with_their_own_qn():
    for name in ("P5", "P8"):
        p = parse(EXAMPLES[name])
        r = parse(R.response_for(p))
        assert (r.cn, r.qn, r.flag) == ("9014", p.qn, 4)


def test_heartbeat_and_notify():
    hb = dict(qn="20240601085857223", st="91", cn="9015", pw="123456", mn="010000A8900016F000169DC0", cp={})
    with_a = parse(build(**hb, flag=9))
    without_a = parse(build(**hb, flag=8))
    assert parse(R.response_for(with_a)).cn == "9013"
    assert R.response_for(without_a) is None
    assert parse(R.response_for(without_a, heartbeat_reply="always")).cn == "9013"
    notify = parse(build(**{**hb, "cn": "1013", "st": "32"}, flag=5))
    assert parse(R.response_for(notify)).cn == "9013"


def test_dedup_keys_of_p5_and_p8_differ():
    k5, k8 = R.dedup_key(parse(EXAMPLES["P5"])), R.dedup_key(parse(EXAMPLES["P8"]))
    assert k5 == ("320100000000000000002B01", "2061", "20240315140000", 2, 1)
    assert k8 == ("320100000000000000002B01", "2061", "20240315140000", 2, 2)
    assert R.dedup_key(parse(EXAMPLES["P2"])) == ("32010000000000000000A001", "2011", "20240315143000", 1, 1)
    # no DataTime, no key (§10.5 rule 4)
    for name in ("P1", "P6", "P7"):
        assert R.dedup_key(parse(EXAMPLES[name])) is None


def test_dedup_key_ignores_qn_and_rf():
    p = parse(EXAMPLES["P2"])
    resent = parse(build(p, qn="20240315143500999", rf="1"))
    assert R.dedup_key(resent) == R.dedup_key(p)


def test_reassembly_of_p5_and_p8():
    p5, p8 = parse(EXAMPLES["P5"]), parse(EXAMPLES["P8"])
    assert R.reassembly_key(p5) == R.reassembly_key(p8) == ("320100000000000000002B01", "2061", "20240315140000", 2)
    assert R.reassembly_key(parse(EXAMPLES["P2"])) is None
    merged, missing = R.merge_parts([p8, p5, p8])
    assert missing == set()
    assert merged["w00000-Cou"] == "63.0" and merged["w01018-Cou"] == "1.76"
    assert list(merged)[0] == "DataTime"
    _, missing = R.merge_parts([p8])
    assert missing == {1}


def test_command_and_qn():
    qn = R.make_qn(datetime(2016, 8, 1, 8, 58, 57, 223000))
    assert qn == "20160801085857223"
    cmd = R.command("1062", mn="010000A8900016F000169DC0", pw="100000", qn=qn, st="32", cp={"RtdInterval": 30})
    assert cmd == EXAMPLES["P1"]


def test_unicode_digits_never_crash():
    seg = EXAMPLES["P1"][6:-6].decode().replace("Flag=5", "Flag=²")
    from qingshan.hj212.crc import crc16

    pkt = b"##%04d" % len(seg.encode()) + seg.encode() + b"%04X" % crc16(seg.encode()) + b"\r\n"
    with pytest.raises(E.BadField):
        parse(pkt)
    p = parse(pkt, lenient=True)
    assert p.flag is None and any(d.field == "Flag" for d in p.deviations)


def test_reply_to_a_packet_without_qn_leaves_qn_out():
    seg = "ST=32;CN=2011;PW=123456;MN=88888880000001;Flag=1;CP=&&DataTime=20040516020111;011-Rtd=1&&"
    from qingshan.hj212.crc import crc16

    pkt = b"##%04d" % len(seg) + seg.encode() + b"%04X" % crc16(seg.encode()) + b"\r\n"
    p = parse(pkt, lenient=True)
    assert p.qn is None and [d.code for d in p.deviations] == ["missing_field"]
    reply = R.response_for(p)
    assert reply.startswith(b"##") and b"QN=" not in reply and b"None" not in reply
    assert b"ST=91;CN=9014;PW=123456;MN=88888880000001;Flag=0;CP=&&&&" in reply


def test_packet_as_dict():
    d = parse(EXAMPLES["P5"]).as_dict()
    assert d["pnum"] == 2 and d["datatime"] == "20240315140000"
    assert d["values"]["w00000"]["Avg"] == "17.5" and d["deviations"] == []
