"""Lenient parsing: usable data recovered from non-conforming packets, every deviation listed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from qingshan.hj212 import parse
from qingshan.hj212 import errors as E
from qingshan.hj212.crc import crc16, crc16_modbus

_spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
_ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ex)
EXAMPLES = _ex.EXAMPLES

P2 = EXAMPLES["P2"]
P2SEG = P2[6:-6].decode()


def frame(segment: str, crc: str | None = None, length: str | None = None, tail: bytes = b"\r\n") -> bytes:
    seg = segment.encode("utf-8")
    c = crc if crc is not None else "%04X" % crc16(seg)
    ln = length if length is not None else "%04d" % len(seg)
    return b"##" + ln.encode() + seg + c.encode() + tail


def codes_of(p):
    return [d.code for d in p.deviations]


def test_conforming_packet_has_no_deviation():
    assert parse(P2, lenient=True).deviations == ()


def test_lower_case_crc_is_noted_not_rejected():
    p = parse(P2.replace(b"6FC0\r\n", b"6fc0\r\n"), lenient=True)
    assert codes_of(p) == ["crc_lowercase"]
    assert p.values["a21026"]["Rtd"] == "9"


def test_crc_without_leading_zero():
    # find a DataTime whose CRC is below 0x1000, then drop the leading zero as some loggers do (§6a)
    for second in range(60):
        seg = P2SEG.replace("DataTime=20240315143000", f"DataTime=202403151430{second:02d}")
        c = crc16(seg.encode())
        if c < 0x1000:
            break
    else:  # pragma: no cover - 1/16 of CRCs qualify
        pytest.fail("no suitable CRC found")
    pkt = frame(seg, crc="%X" % c)
    with pytest.raises(E.BadCrcField):
        parse(pkt)
    p = parse(pkt, lenient=True)
    assert codes_of(p) == ["bad_crc_field"]
    assert p.datatime == f"202403151430{second:02d}"
    assert p.deviations[0].position == 6 + len(seg)


def test_wrong_length_field_recovers_by_the_tail():
    pkt = P2.replace(b"##0279", b"##0280")
    with pytest.raises(E.LengthMismatch) as ei:
        parse(pkt)
    assert (ei.value.declared, ei.value.actual) == (280, 279)
    p = parse(pkt, lenient=True)
    assert codes_of(p) == ["length_mismatch"]
    assert len(p.values) == 6


def test_non_standard_datatime_is_normalised_and_reported():
    for written in ("2024-03-15 14:30:00", "2024/03/15 14:30:00", "20240315143000000", "202403151430"):
        pkt = frame(P2SEG.replace("DataTime=20240315143000", f"DataTime={written}"))
        with pytest.raises(E.BadDataTime):
            parse(pkt)
        p = parse(pkt, lenient=True)
        assert p.cp["DataTime"] == written  # kept exactly as received
        assert p.datatime == "20240315143000"
        assert codes_of(p) == ["bad_datatime", "datatime_normalised"]


def test_invalid_datatime_gives_none():
    p = parse(frame(P2SEG.replace("DataTime=20240315143000", "DataTime=20241340143000")), lenient=True)
    assert p.datatime is None and "bad_datatime" in codes_of(p)


def test_missing_fields_and_missing_closing_ampersands():
    seg = P2SEG.replace("QN=20240315143000123;", "")[:-2]  # no QN, no closing &&
    pkt = frame(seg)
    p = parse(pkt, lenient=True)
    assert p.qn is None
    assert set(codes_of(p)) == {"missing_field", "bad_cp_syntax"}
    assert p.values["a34004"] == {"Rtd": "41", "Flag": "N"}


def test_missing_trailer_and_leading_garbage():
    p = parse(b"\x00xx" + P2[:-2], lenient=True)
    assert codes_of(p) == ["bad_header", "bad_tail"]
    assert p.values["a05024"]["Rtd"] == "112"
    p = parse(P2[:-2] + b"\n", lenient=True)
    assert codes_of(p) == ["bad_tail"]


def test_crc_mismatch_stays_an_error_in_lenient_mode():
    bad = P2.replace(b"6FC0\r\n", b"6FC1\r\n")
    with pytest.raises(E.CrcMismatch):
        parse(bad, lenient=True)
    p = parse(bad, lenient=True, accept_bad_crc=True)
    assert codes_of(p) == ["crc_mismatch"]


def test_modbus_crc_only_for_a_configured_device():
    seg = P2SEG.encode()
    pkt = b"##0279" + seg + b"%04X" % crc16_modbus(seg) + b"\r\n"
    with pytest.raises(E.CrcMismatch):
        parse(pkt, lenient=True)  # never auto-detected (§6a)
    with pytest.raises(E.CrcMismatch):
        parse(pkt, crc_variants={"32010000000000000000A001": "modbus"})  # strict: the standard's verdict
    p = parse(pkt, lenient=True, crc_variants={"32010000000000000000A001": "modbus"})
    assert p.crc_variant == "modbus" and codes_of(p) == ["crc_variant"]
    with pytest.raises(E.CrcMismatch):
        parse(pkt, lenient=True, crc_variants={"OTHER": "modbus"})


def test_deviation_positions_are_byte_offsets():
    seg = P2SEG.replace("a21004-Rtd=38", "a21004 Rtd=38")
    p = parse(frame(seg), lenient=True)
    (d,) = [d for d in p.deviations if d.code == "bad_cp_syntax"]
    assert d.position == 6 + seg.index("a21004 Rtd")
    assert "第" in d.message and "字节" in d.message
    assert p.cp["a21004 Rtd"] == "38"  # kept, not dropped


def test_empty_items_and_item_without_equals():
    seg = P2SEG.replace("a21026-Rtd=9,", "a21026-Rtd=9,,junk,")
    p = parse(frame(seg), lenient=True)
    assert codes_of(p).count("bad_cp_syntax") == 2
    assert p.values["a21026"] == {"Rtd": "9", "Flag": "N"}


def test_unrecoverable_input_raises_typed_error():
    for junk in (b"", b"hello", b"\r\n", b"#"):
        with pytest.raises(E.HJ212Error):
            parse(junk, lenient=True)


def test_positions_are_bytes_after_chinese_text():
    seg = P2SEG.replace("a21026-Rtd=9,", "i11001-Info=//仪器正常//;a21026 Rtd=9,")
    pkt = frame(seg)
    p = parse(pkt, lenient=True)
    (d,) = [d for d in p.deviations if d.code == "bad_cp_syntax"]
    assert d.position == pkt.index(b"a21026 Rtd")  # byte offset, not character offset
    assert d.position != 6 + seg.index("a21026 Rtd")
    assert p.cp["i11001-Info"] == "//仪器正常//"


def _seg_with_crc_below_0x1000() -> tuple[str, int]:
    for second in range(60):
        seg = P2SEG.replace("DataTime=20240315143000", f"DataTime=202403151430{second:02d}")
        c = crc16(seg.encode())
        if c < 0x1000:
            return seg, c
    pytest.fail("no suitable CRC found")  # pragma: no cover - 1/16 of CRCs qualify


def test_crc_without_leading_zero_that_does_not_match_is_rejected_in_lenient_mode():
    # §6a: a dropped leading zero is recovered only when zero-padding gives the §6 CRC; any
    # other 3-digit value is a CRC error (§2: processing stops), lenient mode included.
    seg, c = _seg_with_crc_below_0x1000()
    wrong = "%X" % (c ^ 0x100)
    assert len(wrong) == 3
    pkt = frame(seg, crc=wrong)
    with pytest.raises(E.CrcMismatch) as err:
        parse(pkt, lenient=True)
    assert (err.value.expected, err.value.actual) == (c, c ^ 0x100)
    ok = parse(frame(seg, crc="%X" % c), lenient=True)
    assert "%04X" % c in ok.deviations[0].message  # says which value it was read as


def test_trailing_space_after_crc_names_the_crc_field():
    # §2: the CRC is 4 hex digits followed directly by CR LF; the length field is right here.
    pkt = P2.replace(b"6FC0\r\n", b"6FC0 \r\n")
    with pytest.raises(E.BadCrcField) as err:
        parse(pkt)
    assert err.value.raw == b"6FC0 " and err.value.position == 6 + 279
    p = parse(pkt, lenient=True)
    assert codes_of(p) == ["bad_crc_field"]
    assert p.values["a21026"] == {"Rtd": "9", "Flag": "N"}
    assert p == parse(P2, lenient=True).__class__(**{**_fields(parse(P2)), "deviations": p.deviations})


def test_trailing_space_with_wrong_crc_is_still_a_crc_error():
    with pytest.raises(E.CrcMismatch):
        parse(P2.replace(b"6FC0\r\n", b"6FC1 \r\n"), lenient=True)


def _fields(p):
    return {name: getattr(p, name) for name in p.__slots__}
