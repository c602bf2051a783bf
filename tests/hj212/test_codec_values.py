"""CP values are checked against their field's rule (hj212.md §1, §5.1, §5.2 Table 4, §9.3):
strict parsing raises ``BadCpValue`` at the value's byte; lenient parsing keeps the packet,
lists a deviation per bad value and drops the value (``Packet.invalid`` keeps the text)."""

from __future__ import annotations

import pytest

from qingshan.hj212 import build, parse
from qingshan.hj212.crc import crc16
from qingshan.hj212.errors import BadCpValue

HEAD = "QN=20240315143000123;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&"


def frame(area: str) -> bytes:
    seg = (HEAD + area + "&&").encode("utf-8")
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


BAD = [
    # (item, key) — each breaks the rule the comment names
    ("w01018-Rtd=\uff128.0", "w01018-Rtd"),  # full-width digit: §1 ASCII, and not a number
    ("w01018-Flag=\uff2e", "w01018-Flag"),  # full-width N: §1, §9.3 one letter
    ("a21026-Rtd=abc", "a21026-Rtd"),  # §5.2: -Rtd is numeric
    ("w01018-Avg=1e5", "w01018-Avg"),  # §5.1: a decimal number, no exponent
    ("w01018-Flag=NN", "w01018-Flag"),  # §9.3: one letter
    ("w01018-Flag=5", "w01018-Flag"),
    ("RtdInterval=5", "RtdInterval"),  # §5.2: 30 ≤ n ≤ 3600
    ("RtdInterval=3601", "RtdInterval"),
    ("MinInterval=7", "MinInterval"),  # §5.2: one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30
    ("SB1-RS=9", "SB1-RS"),  # §5.2: 0–5
    ("SB1-RT=25", "SB1-RT"),  # §5.2: 0–24 h
    ("OverTime=0", "OverTime"),  # §5.2: 0 < n ≤ 99
    ("a21026-Rtd=1\x012", "a21026-Rtd"),  # §1: control character
    ("i12001-Info=运行", "i12001-Info"),  # §1: Chinese only inside //log text//
]


@pytest.mark.parametrize("item,key", BAD)
def test_bad_value_strict_error_with_position(item, key):
    area = "DataTime=20240315143000;" + item + ";w21003-Rtd=0.8,w21003-Flag=N"
    pkt = frame(area)
    with pytest.raises(BadCpValue) as err:
        parse(pkt)
    value = item.split("=", 1)[1]
    # position: the byte where the value starts (## is byte 0)
    expected = 6 + len((HEAD + "DataTime=20240315143000;" + key + "=").encode())
    assert (err.value.field, err.value.value, err.value.position) == (key, value, expected)
    p = parse(pkt, lenient=True)
    assert [d.code for d in p.deviations] == ["bad_cp_value"]
    assert p.deviations[0].position == expected
    assert key not in p.cp and p.invalid == {key: value}
    # the values around it are kept
    assert p.cp["DataTime"] == "20240315143000" and p.values["w21003"] == {"Rtd": "0.8", "Flag": "N"}
    with pytest.raises(BadCpValue):
        build(p, cp={**p.cp, key: value})  # and we never send such a value


@pytest.mark.parametrize(
    "item",
    [
        "w01018-Rtd=-1.5", "w01018-Rtd=.5", "w01018-Rtd=+28.", "w01018-Flag=P",  # P: a 2005 letter, §9.3
        "RtdInterval=30", "RtdInterval=3600", "MinInterval=10", "SB1-RS=5", "SB1-RT=24", "SB1-RT=23.5",
        "i11001-Info=//仪器日志：正常//", "OverTime=99", "ReCount=3", "CstartTime=083000",
        "w01018-SampleTime=20240315140000",
    ],
)
def test_conforming_values_pass(item):
    p = parse(frame(item))
    key, value = item.split("=", 1)
    assert p.cp == {key: value} and p.deviations == ()


def test_bad_flag_leaves_the_value_without_flag():
    # Lenient drops Flag=Ｎ: the value then has no flag, which §9.3 keeps out of statistics.
    p = parse(frame("DataTime=20240315143000;w01018-Rtd=28.0,w01018-Flag=\uff2e"), lenient=True)
    assert p.values == {"w01018": {"Rtd": "28.0"}}
