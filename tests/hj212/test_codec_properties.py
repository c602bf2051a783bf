"""Property tests: build → parse round trips, fast path == slow path, mutations never crash."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qingshan.hj212 import build, parse
from qingshan.hj212.errors import HJ212Error
from qingshan.hj212.cp import SUFFIX_RULES
from qingshan.hj212.packet import _parse_slow

NUMERIC = ["Rtd", "Min", "Avg", "Max", "ZsRtd", "ZsAvg", "Cou", "Data"]
#: Table 4 fields with their value ranges (§5.2).
PARAMS = {
    "QnRtn": st.integers(0, 999).map(str),
    "ExeRtn": st.integers(0, 999).map(str),
    "RtdInterval": st.integers(30, 3600).map(str),
    "MinInterval": st.sampled_from(["1", "2", "3", "4", "5", "6", "10", "12", "15", "20", "30"]),
    "PolId": st.text("abcw0123456789", max_size=6),
    "NewPW": st.text("abcdefXYZ0123456789", max_size=6),
}
DIGITS = "0123456789"
HEX = "0123456789ABCDEF"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def times(draw):
    y = draw(st.integers(1990, 2099))
    mo = draw(st.integers(1, 12))
    d = draw(st.integers(1, 28))
    return f"{y:04d}{mo:02d}{d:02d}{draw(st.integers(0, 23)):02d}{draw(st.integers(0, 59)):02d}{draw(st.integers(0, 59)):02d}"


# §1: values are printable ASCII outside log text; log text may hold any UTF-8 text.
plain_value = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters=";,&"), max_size=12
).filter(lambda v: not v.startswith("//"))
number = st.decimals(min_value=-99999, max_value=999999, places=3, allow_nan=False, allow_infinity=False).map(str)
log_text = st.text(alphabet=st.characters(blacklist_characters="/\r\n", blacklist_categories=("Cs",)), max_size=20).map(
    lambda t: f"//{t}//"
)


@st.composite
def cps(draw):
    cp: dict[str, str] = {}
    if draw(st.booleans()):
        cp["DataTime"] = draw(times())
    for _ in range(draw(st.integers(0, 8))):
        code = draw(st.text(ALNUM, min_size=1, max_size=7))
        free = st.text(ALPHA, min_size=1, max_size=6).filter(lambda s: s not in SUFFIX_RULES)
        for suffix in draw(st.lists(st.one_of(free, st.sampled_from(NUMERIC)), min_size=1, max_size=4, unique=True)):
            kind = "num" if suffix in NUMERIC else draw(st.sampled_from(["plain", "log"]))
            cp[f"{code}-{suffix}"] = draw({"num": number, "plain": plain_value, "log": log_text}[kind])
        if draw(st.booleans()):
            cp[f"{code}-Flag"] = draw(st.sampled_from("NFMSDCTBP"))
    for name in draw(st.lists(st.sampled_from(list(PARAMS)), unique=True, max_size=2)):
        cp[name] = draw(PARAMS[name])
    return cp


@st.composite
def fields(draw):
    flag = draw(st.integers(0, 255))
    split = bool(flag & 2)
    pnum = draw(st.integers(1, 9999)) if split else None
    pno = draw(st.integers(1, pnum)) if split else None
    return dict(
        qn=draw(st.text(DIGITS, min_size=17, max_size=17)),
        st=draw(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)),
        cn=draw(st.text(DIGITS, min_size=4, max_size=4)),
        pw=draw(st.text(ALNUM + "!#$%*+-./:?@_~", min_size=1, max_size=6)),
        mn=draw(st.text(HEX, min_size=24, max_size=24)),
        flag=flag,
        pnum=pnum,
        pno=pno,
        rf=draw(st.sampled_from([None, "1"])),
        cp=draw(cps()),
        layout=None,
    )


def _build(f):
    try:
        return build(**f)
    except HJ212Error:
        assume(False)  # over 1024 bytes / CP over 950: not a valid packet to start from


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields())
def test_build_parse_round_trip_byte_for_byte(f):
    pkt = _build(f)
    p = parse(pkt)
    assert (p.qn, p.st, p.cn, p.pw, p.mn, p.flag, p.pnum, p.pno, p.rf) == (
        f["qn"], f["st"], f["cn"], f["pw"], f["mn"], f["flag"], f["pnum"], f["pno"], f["rf"],
    )  # fmt: skip
    assert p.cp == f["cp"]
    assert p.deviations == ()
    assert build(p) == pkt
    # the fast path and the careful item-by-item path agree
    assert _parse_slow(pkt, False, False, None, False) == p
    assert parse(pkt, lenient=True).cp == p.cp


@st.composite
def mutated(draw):
    pkt = bytearray(_build(draw(fields())))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "set"]))
        if not pkt:
            break
        i = draw(st.integers(0, len(pkt) - 1))
        if op == "flip":
            pkt[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            pkt.insert(i, draw(st.sampled_from(b";,=&#\r\n/ 0A\xff")))
        elif op == "delete":
            del pkt[i]
        elif op == "truncate":
            del pkt[i:]
        else:
            pkt[i] = draw(st.integers(0, 255))
    return bytes(pkt)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_raise_only_typed_errors_and_lenient_is_never_silent(pkt):
    try:
        strict = parse(pkt)
        strict_error = None
        assert strict.deviations == ()
    except HJ212Error as err:
        strict_error = err
    try:
        lenient = parse(pkt, lenient=True)
    except HJ212Error:
        return
    if strict_error is not None:
        # what strict mode rejects, lenient mode may recover, but never silently
        assert lenient.deviations, strict_error
        assert strict_error.code in {d.code for d in lenient.deviations}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_typed_errors(data):
    for lenient in (False, True):
        try:
            parse(b"##" + data, lenient=lenient, accept_bad_crc=True)
        except HJ212Error:
            pass
