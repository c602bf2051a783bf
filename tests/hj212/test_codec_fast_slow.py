"""The parser's fast path (conforming packets in a few C-level steps) never accepts what the
careful item-by-item path rejects, and returns the same packet when both accept (hj212.md §5)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qingshan.hj212 import parse
from qingshan.hj212.crc import crc16
from qingshan.hj212.errors import BadCpSyntax, HJ212Error
from qingshan.hj212.packet import _parse_fast, _parse_slow

HEAD = "QN=20240315143000123;ST=91;CN=9014;PW=123456;MN=32010000000000000000A001;Flag=4;"


def frame(segment: str) -> bytes:
    seg = segment.encode("utf-8")
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


@pytest.mark.parametrize("cp", ["CP=&&", "CP=&&&"])
def test_cp_without_closing_ampersands_is_rejected(cp):
    # §5: cp = "CP=&&" [ group … ] "&&" — the closing "&&" cannot reuse the opening one.
    pkt = frame(HEAD + cp)
    assert pkt == (b"##0085" + (HEAD + cp).encode() + b"9C01\r\n" if cp == "CP=&&" else pkt)
    with pytest.raises(BadCpSyntax):
        parse(pkt)
    lenient = parse(pkt, lenient=True)
    assert "bad_cp_syntax" in [d.code for d in lenient.deviations]
    assert lenient.cp == {}


def test_empty_data_area_is_conforming():
    assert parse(frame(HEAD + "CP=&&&&")).cp == {}  # §5: "An empty data area is written CP=&&&&"


# An alphabet that stresses the §5 grammar: separators, '=', '&', '/', '-', spaces.
area_text = st.text(alphabet="aZ9-=;,&/ N.1\x01\tＮ", max_size=24)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area_text, st.sampled_from(["", "&", "&&", "&&&", " "]))
@example("", "")
@example("", "&")
@example("&", "")
@example("a=1&", "")
def test_fast_path_agrees_with_slow_path(area, tail):
    pkt = frame(HEAD + "CP=&&" + area + tail)
    fast = _parse_fast(pkt)
    try:
        slow = _parse_slow(pkt, False, False, None, False)
    except HJ212Error as err:
        assert fast is None, f"fast path accepted what strict parsing rejects: {err}"
        return
    if fast is not None:
        assert fast == slow


KEYS = ["w01018-Rtd", "w01018-Flag", "a21026-ZsAvg", "RtdInterval", "MinInterval", "SB1-RS", "SB1-RT", "QnRtn", "PolId"]
value_text = st.text(alphabet="0123456789.-+eNPa \x01Ｎ", max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KEYS), value_text), max_size=5, unique_by=lambda kv: kv[0]))
def test_fast_path_checks_values_like_the_slow_path(items):
    # §1, §5.2, §9.3 value rules: the fast path must not let through what the slow path rejects
    pkt = frame(HEAD + "CP=&&" + ";".join(f"{k}={v}" for k, v in items) + "&&")
    fast = _parse_fast(pkt)
    try:
        slow = _parse_slow(pkt, False, False, None, False)
    except HJ212Error as err:
        assert fast is None, f"fast path accepted what strict parsing rejects: {err}"
        return
    if fast is not None:
        assert fast == slow
