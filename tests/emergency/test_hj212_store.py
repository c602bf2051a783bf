"""The one HJ 212 read function: its vectorised CP split agrees with the codec on every packet."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from hypothesis import given, settings, strategies as st

from qingshan.emergency.hj212_store import _factor_rows
from qingshan.hj212.packet import build

FACTORS = ("a21026", "a21002", "a34013", "a00000")
MN = "010000A8900016F000169DC0"
number = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False).map(str)
factor_fields = st.fixed_dictionaries({}, optional={"Avg": number, "ZsAvg": number, "Cou": number,
                                                     "Flag": st.sampled_from("NMDFCTB"), "Max": number})
packet_values = st.dictionaries(st.sampled_from(FACTORS + ("a19001", "a01012")), factor_fields, min_size=1, max_size=6)


def records(packets: list[bytes], version: int) -> pl.DataFrame:
    n = len(packets)
    return pl.DataFrame({"raw_id": list(range(1, n + 1)), "mn": [MN] * n, "version": [version] * n,
                         "datatime": [datetime(2026, 12, 1)] * n, "text": [p.decode() for p in packets],
                         "received_at": [datetime(2026, 12, 1)] * n})


@settings(max_examples=60, deadline=None)
@given(st.lists(packet_values, min_size=1, max_size=5), st.booleans())
def test_fast_split_equals_codec(values, spaced):
    packets = []
    for i, v in enumerate(values):
        cp = {"DataTime": "20261201000000", **{k: dict(f) for k, f in v.items() if f}}
        raw = build(qn=f"20261201000000{i:03d}", st="31", cn="2061", pw="123456", mn=MN, flag=4, cp=cp)
        if spaced:  # tolerated by the grammar (hj212.md §5): spaces after && and a trailing ';'
            raw = build(qn=f"20261201000000{i:03d}", st="31", cn="2061", pw="123456", mn=MN, flag=4, cp=cp,
                        check=False).replace(b"CP=&&", b"CP=&& ")
        packets.append(raw)
    fast = _factor_rows(records(packets, 1), FACTORS).sort("raw_id", "factor")
    codec = _factor_rows(records(packets, 0), FACTORS).sort("raw_id", "factor")  # version 0 → the codec
    assert fast.to_dicts() == codec.to_dicts()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), number, st.decimals(allow_nan=False, allow_infinity=False,
                                                          min_value=-10**6, max_value=10**6).map(str),
                          st.sampled_from(["7", "007.50", ".5", "1.", "-0.0", "1.1234567", " 3.2 ", "abc", ""])),
                min_size=1, max_size=20))
def test_micro_equals_scaled_from_str(texts):
    from qingshan import exact
    from qingshan.emergency.hj212_store import _micro

    f = pl.DataFrame({"avg": texts}, schema={"avg": pl.String})
    got = _micro(f, ("avg",))["avg"].to_list()
    assert got == f.select(exact.scaled_from_str(pl.col("avg")).alias("v"))["v"].to_list()
