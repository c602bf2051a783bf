"""Parsing and building the example packets of hj212.md §15, and the strict errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from qingshan.hj212 import Packet, build, parse
from qingshan.hj212 import errors as E
from qingshan.hj212.crc import crc16

_spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
_ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ex)
EXAMPLES, STATED, A1_2025 = _ex.EXAMPLES, _ex.STATED, _ex.A1_2025


def frame(segment: str, crc: str | None = None, length: str | None = None, tail: bytes = b"\r\n") -> bytes:
    seg = segment.encode("utf-8")
    c = crc if crc is not None else "%04X" % crc16(seg)
    ln = length if length is not None else "%04d" % len(seg)
    return b"##" + ln.encode() + seg + c.encode() + tail


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_parse_and_rebuild_byte_for_byte(name):
    pkt = EXAMPLES[name]
    assert int(pkt[2:6]) == STATED[name][0]
    p = parse(pkt)
    assert p.deviations == ()
    assert build(p) == pkt
    # also from plain keyword fields
    assert build(qn=p.qn, st=p.st, cn=p.cn, pw=p.pw, mn=p.mn, flag=p.flag, pnum=p.pnum, pno=p.pno, cp=p.cp) == pkt


def test_p1_fields():
    p = parse(EXAMPLES["P1"])
    assert (p.qn, p.st, p.cn, p.pw, p.mn) == (
        "20160801085857223", "32", "1062", "100000", "010000A8900016F000169DC0",
    )  # fmt: skip
    assert p.flag == 5 and p.version == 1 and p.a and not p.d
    assert p.edition == "HJ 212—2017"
    assert p.cp == {"RtdInterval": "30"}
    assert p.datatime is None and p.pnum is None and p.pno is None


def test_p7_reply_fields():
    p = parse(EXAMPLES["P7"])
    assert (p.st, p.cn, p.flag, p.version, p.a) == ("91", "9011", 4, 1, False)
    assert p.qn == "20160801085857223"
    assert p.cp == {"QnRtn": "1"}


def test_p2_air_realtime_values():
    p = parse(EXAMPLES["P2"])
    assert p.st == "22" and p.cn == "2011" and p.a
    assert p.datatime == "20240315143000"
    assert str(p.datatime_dt) == "2024-03-15 14:30:00"
    rtd = {code: v["Rtd"] for code, v in p.values.items()}
    assert rtd == {"a21026": "9", "a21004": "38", "a21005": "0.7", "a05024": "112", "a34002": "66", "a34004": "41"}
    assert {v["Flag"] for v in p.values.values()} == {"N"}


def test_p3_flue_gas_hourly_values():
    p = parse(EXAMPLES["P3"])
    v = p.values
    assert p.datatime == "20240315140000" and p.st == "31" and p.cn == "2061"
    assert v["a00000"] == {"Cou": "182400.5", "Min": "49.8", "Avg": "50.7", "Max": "51.9", "Flag": "N"}
    assert (v["a21026"]["Avg"], v["a21026"]["ZsAvg"], v["a21026"]["Cou"]) == ("20.6", "24.9", "3.76")
    assert (v["a21002"]["Avg"], v["a21002"]["ZsAvg"], v["a21002"]["Cou"]) == ("39.0", "47.1", "7.11")
    assert (v["a34013"]["Avg"], v["a34013"]["ZsAvg"], v["a34013"]["Cou"]) == ("3.0", "3.6", "0.55")
    assert [v[c]["Avg"] for c in ("a19001", "a01012", "a01011", "a01014")] == ["9.8", "52.3", "11.2", "6.1"]
    assert all(f["Flag"] == "N" for f in v.values())


def test_p4_wastewater_daily_values():
    p = parse(EXAMPLES["P4"])
    v = p.values
    assert p.datatime == "20240315000000" and p.qn == "20240316000000001"
    assert (v["w00000"]["Cou"], v["w00000"]["Avg"]) == ("1512.0", "17.5")
    assert (v["w01001"]["Min"], v["w01001"]["Avg"], v["w01001"]["Max"]) == ("7.1", "7.4", "7.8")
    assert (v["w01018"]["Avg"], v["w01018"]["Cou"]) == ("28.0", "42.3")
    assert (v["w21003"]["Avg"], v["w21003"]["Cou"]) == ("0.80", "1.21")  # trailing zero kept
    assert (v["w21011"]["Avg"], v["w21011"]["Cou"]) == ("0.20", "0.30")
    assert (v["w21001"]["Avg"], v["w21001"]["Cou"]) == ("9.5", "14.4")


def test_p5_p8_split_parts():
    p5, p8 = parse(EXAMPLES["P5"]), parse(EXAMPLES["P8"])
    for p, pno in ((p5, 1), (p8, 2)):
        assert p.flag == 7 and p.version == 1 and p.d and p.a
        assert (p.pnum, p.pno) == (2, pno)
        assert p.datatime == "20240315140000"
    assert int(p8.qn) == int(p5.qn) + 1
    assert p5.values["w00000"]["Cou"] == "63.0"
    assert p8.values["w01018"] == {"Cou": "1.76", "Min": "25.1", "Avg": "28.0", "Max": "31.2", "Flag": "N"}


def test_p6_empty_cp():
    p = parse(EXAMPLES["P6"])
    assert p.cn == "9014" and p.cp == {} and p.flag == 4


def test_2025_packet_a1():
    p = parse(A1_2025)
    assert p.flag == 9 and p.version == 2 and p.a and not p.d
    assert p.edition == "HJ 212—2025"


def test_2025_rf_mark_round_trips():
    pkt = build(
        qn="20240520210700000", st="31", cn="2051", pw="123456", mn="010000A8900016F000169DC0", flag=8, rf="1",
        cp={"DataTime": "20240520210600", "a01011": {"Avg": "1.35", "Flag": "N"}},
    )  # fmt: skip
    assert b";Flag=8;RF=1;CP=&&DataTime=20240520210600;a01011-Avg=1.35,a01011-Flag=N&&" in pkt
    p = parse(pkt)
    assert p.rf == "1" and build(p) == pkt


def test_2005_style_packet():
    # HJ/T 212—2005: version bits 0, a 14-character MN and 2005 factor codes (§12.4, §13).
    seg = "QN=20040516010101001;ST=32;CN=2011;PW=123456;MN=88888880000001;Flag=1;CP=&&DataTime=20040516020111;011-Rtd=100.0,011-Flag=N&&"
    pkt = frame(seg)
    p = parse(pkt)
    assert p.version == 0 and p.a and p.mn == "88888880000001"
    assert p.values == {"011": {"Rtd": "100.0", "Flag": "N"}}
    assert build(p) == pkt
    # a 14-character MN is only accepted from a 2005 peer
    with pytest.raises(E.BadField) as ei:
        parse(frame(seg.replace("Flag=1", "Flag=5")))
    assert ei.value.field == "MN"


def test_build_nested_and_flat_cp_agree():
    flat = build(qn="20240315143000123", st="22", cn="2011", pw="123456", mn="32010000000000000000A001", flag=5,
                 cp={"DataTime": "20240315143000", "a21026-Rtd": "9", "a21026-Flag": "N"})  # fmt: skip
    nested = build(qn="20240315143000123", st="22", cn="2011", pw="123456", mn="32010000000000000000A001", flag=5,
                   cp={"DataTime": "20240315143000", "a21026": {"Rtd": 9, "Flag": "N"}})  # fmt: skip
    assert flat == nested
    assert b"CP=&&DataTime=20240315143000;a21026-Rtd=9,a21026-Flag=N&&" in flat


def test_build_rejects_non_conforming_fields():
    ok = dict(qn="20240315143000123", st="22", cn="2011", pw="123456", mn="32010000000000000000A001", flag=5, cp={})
    with pytest.raises(E.BadField):
        build(**{**ok, "qn": "2024"})
    with pytest.raises(E.SplitPacketError):
        build(**{**ok, "flag": 7})
    with pytest.raises(E.BadDataTime):
        build(**{**ok, "cp": {"DataTime": "20240231000000"}})
    with pytest.raises(E.PacketTooLong):
        build(**{**ok, "cp": {f"a{i:05d}-Rtd": "1.000" for i in range(80)}})


# ---------------------------------------------------------------- strict errors


P1SEG = EXAMPLES["P1"][6:-6].decode()


@pytest.mark.parametrize(
    ("packet", "error", "position"),
    [
        (b"#!" + EXAMPLES["P1"][2:], E.BadHeader, 0),
        (EXAMPLES["P1"].replace(b"##0101", b"##01a1"), E.BadLengthField, 2),
        (EXAMPLES["P1"].replace(b"##0101", b"##0102"), E.LengthMismatch, 2),
        (EXAMPLES["P1"][:-2] + b"\n\n", E.BadTail, None),
        (EXAMPLES["P1"].replace(b"1C80\r\n", b"1C81\r\n"), E.CrcMismatch, 107),
        (EXAMPLES["P1"].replace(b"1C80\r\n", b"1CX0\r\n"), E.BadCrcField, 107),
    ],
)
def test_frame_errors(packet, error, position):
    with pytest.raises(error) as ei:
        parse(packet)
    assert isinstance(ei.value, E.HJ212Error)
    if position is not None:
        assert ei.value.position == position
        assert f"第 {position} 字节" in str(ei.value)


def test_crc_mismatch_carries_expected_and_actual():
    with pytest.raises(E.CrcMismatch) as ei:
        parse(EXAMPLES["P1"].replace(b"1C80\r\n", b"1C81\r\n"))
    assert (ei.value.expected, ei.value.actual) == (0x1C80, 0x1C81)
    assert "1C81" in str(ei.value) and "1C80" in str(ei.value)


def test_lower_case_crc_is_not_an_error_even_in_strict_mode():
    p = parse(EXAMPLES["P3"].replace(b"21C0\r\n", b"21c0\r\n"))
    assert p.values["a21026"]["Avg"] == "20.6"


def test_too_long_segment():
    seg = "QN=20240315143000123;ST=22;CN=2011;PW=123456;MN=32010000000000000000A001;Flag=5;CP=&&" + ";".join(
        f"a{i:05d}-Rtd=1.0" for i in range(70)
    ) + "&&"
    with pytest.raises(E.PacketTooLong) as ei:
        parse(frame(seg))
    assert ei.value.limit in (1024, 950)


@pytest.mark.parametrize(
    ("segment", "error", "field"),
    [
        (P1SEG.replace("QN=20160801085857223", "QN=2016080108585722"), E.BadField, "QN"),
        (P1SEG.replace("ST=32", "ST=3"), E.BadField, "ST"),
        (P1SEG.replace("CN=1062", "CN=10A2"), E.BadField, "CN"),
        (P1SEG.replace("PW=100000", "PW=1000000"), E.BadField, "PW"),
        (P1SEG.replace("MN=010000A8900016F000169DC0", "MN=010000a8900016f000169dc0"), E.BadField, "MN"),
        (P1SEG.replace("Flag=5", "Flag=256"), E.BadField, "Flag"),
        (P1SEG.replace("ST=32;", ""), E.MissingField, "ST"),
        (P1SEG.replace("ST=32;CN=1062", "CN=1062;ST=32"), E.BadField, "ST"),
        (P1SEG.replace("Flag=5", "Flag=7"), E.SplitPacketError, "PNUM"),
        (P1SEG.replace("Flag=5;", "Flag=7;PNUM=2;PNO=3;"), E.SplitPacketError, "PNO"),
        (P1SEG.replace("Flag=5;", "Flag=5;PNUM=2;PNO=1;"), E.SplitPacketError, "PNUM"),
        (P1SEG.replace("RtdInterval=30", "RtdInterval"), E.BadCpSyntax, None),
        (P1SEG.replace("RtdInterval=30", "Rtd Interval=30"), E.BadCpSyntax, "Rtd Interval"),
        (P1SEG.replace("RtdInterval=30", "RtdInterval=30;RtdInterval=60"), E.BadCpSyntax, "RtdInterval"),
        (P1SEG.replace("RtdInterval=30", "RtdInterval=3&0"), E.BadCpSyntax, "RtdInterval"),
        (P1SEG.replace("RtdInterval=30&&", "RtdInterval=30"), E.BadCpSyntax, None),
        (P1SEG.replace("RtdInterval=30", "DataTime=20240230120000"), E.BadDataTime, "DataTime"),
        (P1SEG.replace("RtdInterval=30", "DataTime=2024-03-15 12:00:00"), E.BadDataTime, "DataTime"),
        (P1SEG.replace("RtdInterval=30", "SystemTime=20241315120000"), E.BadDataTime, "SystemTime"),
    ],
)
def test_field_and_cp_errors(segment, error, field):
    with pytest.raises(error) as ei:
        parse(frame(segment))
    assert ei.value.field == field
    assert ei.value.position is None or 6 <= ei.value.position < 6 + len(segment.encode()) + 1


def test_error_position_points_at_the_bad_value():
    seg = P1SEG.replace("CN=1062", "CN=10A2")
    with pytest.raises(E.BadField) as ei:
        parse(frame(seg))
    assert ei.value.position == 6 + seg.index("10A2")


def test_tolerated_forms_in_strict_mode():
    # §5: spaces inside "CP=&& &&" and a trailing ';' are tolerated.
    assert parse(frame(P1SEG.replace("CP=&&RtdInterval=30&&", "CP=&& &&"))).cp == {}
    assert parse(frame(P1SEG.replace("CP=&&RtdInterval=30&&", "CP=&& RtdInterval=30&&"))).cp == {"RtdInterval": "30"}
    assert parse(frame(P1SEG.replace("RtdInterval=30&&", "PolId=a 1 &&"))).cp == {"PolId": "a 1 "}
    assert parse(frame(P1SEG.replace("RtdInterval=30&&", "RtdInterval=30;&&"))).cp == {"RtdInterval": "30"}
    # the data area runs to the *last* '&&' of the segment (§5), not the first
    p = parse(frame(P1SEG.replace("RtdInterval=30", "i11001-Info=//a&&b;c,d//")))
    assert p.cp == {"i11001-Info": "//a&&b;c,d//"}


def test_log_text_end_rule():
    seg = P1SEG.replace("RtdInterval=30", "DataTime=20240315143000;i21001-Info=//x//y//,i21001-Flag=N")
    p = parse(frame(seg))
    assert p.cp["i21001-Info"] == "//x//y//" and p.cp["i21001-Flag"] == "N"
    assert build(p) == frame(seg)


def test_utf8_log_text_counts_bytes():
    seg = P1SEG.replace("RtdInterval=30", "i11001-Info=//仪器自检完成//")
    pkt = frame(seg)
    assert int(pkt[2:6]) == len(seg.encode("utf-8")) > len(seg)  # §2: bytes, README item 31
    p = parse(pkt)
    assert p.cp["i11001-Info"] == "//仪器自检完成//"
    assert build(p) == pkt


def test_unknown_codes_are_accepted_unless_asked():
    seg = P1SEG.replace("ST=32", "ST=A7").replace("CN=1062", "CN=1999").replace("RtdInterval=30", "x99999-Rtd=1")
    p = parse(frame(seg))
    assert (p.st, p.cn) == ("A7", "1999")
    with pytest.raises(E.UnknownCode) as ei:
        parse(frame(seg), strict_codes=True)
    assert ei.value.kind == "ST"
    kinds = {d.field for d in parse(frame(seg), lenient=True).deviations if d.code == "unknown_code"}
    assert kinds == {"ST", "CN", "factor"}


def test_packet_equality_and_to_bytes():
    p = parse(EXAMPLES["P2"])
    assert isinstance(p, Packet)
    assert p.to_bytes() == EXAMPLES["P2"]
    assert p == parse(EXAMPLES["P2"].decode())  # str input is UTF-8 encoded first


def test_build_refuses_log_text_that_would_not_parse_back():
    ok = dict(qn="20240315143000123", st="32", cn="3020", pw="123456", mn="32010000000000000000A001", flag=5)
    for bad in ("//a//;b//", "//abc", "//"):
        with pytest.raises(E.BadCpSyntax):
            build(**ok, cp={"i11001-Info": bad})
    pkt = build(**ok, cp={"i11001-Info": "//a;b,c&d//"})
    assert parse(pkt).cp == {"i11001-Info": "//a;b,c&d//"}
