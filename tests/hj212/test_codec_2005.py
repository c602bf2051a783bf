"""HJ/T 212—2005 peers (hj212.md §4, §12.4, §13): 14-character MNs, no Flag field, and the
2005 factor codes translated to 2017 codes keyed by ST."""

from __future__ import annotations

import pytest

from qingshan.hj212 import parse
from qingshan.hj212.crc import crc16
from qingshan.hj212.errors import MissingField


def frame(segment: str) -> bytes:
    seg = segment.encode("utf-8")
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


WATER_2005 = (
    "QN=20240315143000123;ST=32;CN=2011;PW=123456;MN=88888880000001;Flag=0;"
    "CP=&&DataTime=20240315143000;011-Rtd=28.0,011-Flag=N;060-Rtd=0.80,060-Flag=N;010-Rtd=3.1&&"
)
GAS_2005 = (
    "QN=20240315143000123;ST=31;CN=2011;PW=123456;MN=88888880000001;Flag=0;"
    "CP=&&DataTime=20240315143000;01-Rtd=3.0,01-Flag=N;02-Rtd=20.6;10-Rtd=1.2;S01-Rtd=9.8&&"
)


def test_water_codes_translated_by_st():
    p = parse(frame(WATER_2005))
    assert p.is_2005 and p.deviations == ()
    assert p.values == {"011": {"Rtd": "28.0", "Flag": "N"}, "060": {"Rtd": "0.80", "Flag": "N"}, "010": {"Rtd": "3.1"}}
    # §12.4: 011 → w01018 (COD), 060 → w21003 (NH3-N), 010 → w01017 (BOD5, water table for ST 32)
    assert p.values_2017 == {
        "w01018": {"Rtd": "28.0", "Flag": "N"}, "w21003": {"Rtd": "0.80", "Flag": "N"}, "w01017": {"Rtd": "3.1"},
    }  # fmt: skip
    assert p.code_2017("011") == "w01018"


def test_gas_codes_translated_by_st():
    p = parse(frame(GAS_2005))
    # §12.4: 01 → a34013, 02 → a21026, 10 → a21001 (NH3: gas table for ST 31), S01 → a19001
    assert list(p.values_2017) == ["a34013", "a21026", "a21001", "a19001"]
    assert p.values_2017["a34013"] == {"Rtd": "3.0", "Flag": "N"}
    assert list(p.values) == ["01", "02", "10", "S01"]  # received codes kept


def test_2017_packet_is_not_translated(examples):
    p = parse(examples["P4"])
    assert not p.is_2005 and p.values_2017 == p.values


def test_2005_codes_not_noted_unknown_in_lenient_mode():
    assert parse(frame(WATER_2005), lenient=True).deviations == ()


def test_no_flag_field_with_14_character_mn():
    # a 2005-style packet with no Flag at all: the missing Flag is the only deviation (§13)
    pkt = frame(WATER_2005.replace("Flag=0;", ""))
    with pytest.raises(MissingField) as err:
        parse(pkt)
    assert err.value.field == "Flag"
    p = parse(pkt, lenient=True)
    assert [(d.code, d.field) for d in p.deviations] == [("missing_field", "Flag")]
    assert p.mn == "88888880000001" and p.is_2005
    assert p.values_2017["w01018"] == {"Rtd": "28.0", "Flag": "N"}


def test_14_character_mn_still_refused_for_a_2017_packet():
    p = parse(frame(WATER_2005.replace("Flag=0;", "Flag=4;")), lenient=True)
    assert ("bad_field", "MN") in [(d.code, d.field) for d in p.deviations]
