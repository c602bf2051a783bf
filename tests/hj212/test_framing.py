"""Stream decoder: split reads, several packets per read, garbage, over-long frames (§1, §2)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.hj212 import errors as E
from qingshan.hj212.crc import crc16
from qingshan.hj212.framing import FrameError, PacketReceived, StreamDecoder

_spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
_ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ex)
EXAMPLES = _ex.EXAMPLES
PKTS = [EXAMPLES[k] for k in ("P1", "P7", "P2", "P6", "P3", "P4", "P5", "P8")]


def run(decoder: StreamDecoder, chunks) -> list:
    events = []
    for c in chunks:
        events += decoder.feed(c)
    return events + decoder.close()


def packets(events):
    return [e.raw for e in events if isinstance(e, PacketReceived)]


def errors(events):
    return [type(e.error) for e in events if isinstance(e, FrameError)]


def test_several_packets_in_one_read():
    ev = run(StreamDecoder(), [b"".join(PKTS)])
    assert packets(ev) == PKTS and errors(ev) == []
    assert [e.packet.cn for e in ev] == ["1062", "9011", "2011", "9014", "2061", "2031", "2061", "2061"]


def test_one_byte_at_a_time():
    stream = b"".join(PKTS)
    ev = run(StreamDecoder(), [stream[i : i + 1] for i in range(len(stream))])
    assert packets(ev) == PKTS and errors(ev) == []


garbage = st.binary(max_size=40).filter(lambda g: b"#" not in g)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(garbage, st.sampled_from(PKTS)), min_size=1, max_size=6),
    garbage,
    st.lists(st.integers(1, 400), min_size=1, max_size=40),
)
def test_arbitrary_splits_with_garbage_yield_exactly_the_packets(items, tail, cuts):
    stream = b"".join(g + p for g, p in items) + tail
    chunks, i = [], 0
    for c in cuts:
        chunks.append(stream[i : i + c])
        i += c
    chunks.append(stream[i:])
    dec = StreamDecoder()
    ev = run(dec, chunks)
    assert packets(ev) == [p for _, p in items]
    assert set(errors(ev)) <= {E.GarbageBytes}
    assert dec.buffered == 0


def test_garbage_is_reported_with_its_bytes():
    ev = run(StreamDecoder(), [b"AT+CSQ\r\n", PKTS[0]])
    assert isinstance(ev[0], FrameError) and isinstance(ev[0].error, E.GarbageBytes)
    assert ev[0].raw == b"AT+CSQ\r\n" and packets(ev) == [PKTS[0]]


def test_bad_length_field_resyncs_on_next_header():
    ev = run(StreamDecoder(), [b"##12x4abc", b"###", PKTS[2]])
    assert errors(ev)[0] is E.BadLengthField
    assert packets(ev) == [PKTS[2]]


def test_over_long_declared_length():
    dec = StreamDecoder()
    ev = run(dec, [b"##9999QN=1;" + b"x" * 50, PKTS[0]])
    assert errors(ev)[0] is E.PacketTooLong
    assert packets(ev) == [PKTS[0]]


def test_never_terminated_frame_is_bounded_and_resyncs():
    dec = StreamDecoder(max_frame=300)
    ev = []
    ev += dec.feed(b"##0200" + b"A" * 100)
    for _ in range(20):
        ev += dec.feed(b"B" * 100)
        assert dec.buffered <= 300
    ev += dec.feed(PKTS[0])
    ev += dec.close()
    assert E.FrameOverflow in errors(ev) or E.LengthMismatch in errors(ev)
    assert packets(ev) == [PKTS[0]]


def test_length_field_too_small_or_too_large_does_not_swallow_the_next_packet():
    too_big = PKTS[0].replace(b"##0101", b"##0150")
    too_small = PKTS[0].replace(b"##0101", b"##0090")
    for bad in (too_big, too_small):
        ev = run(StreamDecoder(), [bad + PKTS[2]])
        assert errors(ev) == [E.LengthMismatch]
        assert packets(ev) == [PKTS[2]]
        # lenient: the bad one is recovered with a deviation
        ev = run(StreamDecoder(lenient=True), [bad, PKTS[2]])
        assert packets(ev) == [bad, PKTS[2]]
        assert [d.code for d in ev[0].packet.deviations] == ["length_mismatch"]


def test_peer_waiting_for_reply_after_a_short_length_field():
    # The DAU sends one packet and waits for 9014: the frame must complete at its CR LF.
    bad = PKTS[0].replace(b"##0101", b"##0150")
    ev = StreamDecoder(lenient=True).feed(bad)
    assert packets(ev) == [bad]


def test_three_digit_crc_frame_in_lenient_mode():
    seg = EXAMPLES["P1"][6:-6]
    for n in range(30, 130):  # §5.2: RtdInterval 30–3600
        s = seg.replace(b"RtdInterval=30", b"RtdInterval=%d" % n)
        if crc16(s) < 0x1000:
            break
    pkt = b"##%04d" % len(s) + s + b"%X" % crc16(s) + b"\r\n"
    ev = run(StreamDecoder(lenient=True), [pkt + PKTS[1]])
    assert packets(ev) == [pkt, PKTS[1]]
    assert [d.code for d in ev[0].packet.deviations] == ["bad_crc_field"]


def test_crc_error_is_an_event_and_the_stream_goes_on():
    bad = PKTS[0].replace(b"1C80\r\n", b"1C81\r\n")
    ev = run(StreamDecoder(), [bad, PKTS[1]])
    assert errors(ev) == [E.CrcMismatch]
    assert ev[0].raw == bad and packets(ev) == [PKTS[1]]


def test_binary_cp_frames_by_length_only():
    # A CR LF inside the data segment (possible in SM4 ciphertext, §B.9 item 5) must not cut
    # the frame when the device is configured as binary.
    seg = b"QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&\x01\r\n##\xff&&"
    pkt = b"##%04d" % len(seg) + seg + b"%04X" % crc16(seg) + b"\r\n"
    ev = run(StreamDecoder(binary_cp=True, parse_packets=False), [pkt[:95], pkt[95:], PKTS[0]])
    assert [e.raw for e in ev] == [pkt, PKTS[0]]


def test_unterminated_frame_followed_by_a_packet():
    bad = PKTS[0][:-2]  # no CR LF at all
    ev = run(StreamDecoder(), [bad, PKTS[2], PKTS[1]])
    assert errors(ev) == [E.BadTail]
    assert packets(ev) == [PKTS[2], PKTS[1]]
    ev = run(StreamDecoder(lenient=True), [bad + PKTS[2]])
    assert packets(ev) == [bad, PKTS[2]]
    assert [d.code for d in ev[0].packet.deviations] == ["bad_tail"]


def test_positions_count_from_the_start_of_the_stream():
    ev = run(StreamDecoder(), [PKTS[0], b"junk", PKTS[1], b"##x"])
    errs = [e for e in ev if isinstance(e, FrameError)]
    assert isinstance(errs[0].error, E.GarbageBytes)
    assert errs[0].error.position == errs[0].offset == len(PKTS[0])
    # a frame that fails to parse: offset in the stream, error position inside the frame
    assert isinstance(errs[1].error, E.BadTail) and errs[1].raw == b"##x"
    assert errs[1].offset == len(PKTS[0]) + 4 + len(PKTS[1])


noise = st.lists(
    st.one_of(st.binary(max_size=30), st.sampled_from([b"##", b"\r\n", b"\n", b"#", b"##0101", b"##9", b"&&"]), st.sampled_from(PKTS)),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(noise, st.booleans(), st.booleans())
def test_arbitrary_streams_never_crash_and_stay_bounded(parts, lenient, binary):
    dec = StreamDecoder(lenient=lenient, max_frame=600, binary_cp=binary)
    for part in parts:
        for ev in dec.feed(part):
            assert isinstance(ev, (PacketReceived, FrameError))
            if isinstance(ev, FrameError):
                assert isinstance(ev.error, E.HJ212Error)
        assert dec.buffered < 600
    dec.close()
    assert dec.buffered == 0


def _log_packet(text: str) -> bytes:
    seg = (
        "QN=20240315143000123;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=4;"
        f"CP=&&DataTime=20240315143000;PolId=w01018;i11001-Info=//{text}//&&"
    ).encode("utf-8")
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


def test_log_text_with_line_breaks_survives_every_split():
    # §1: frame on "##" + length; §5 log text may hold CR LF (and "##"): a split right after
    # such a line break must not end the frame.
    pkt = _log_packet("line1\r\nline2 ##0101QN 日志\nline3")
    for cut in range(1, len(pkt)):
        for lenient in (False, True):
            ev = run(StreamDecoder(lenient=lenient), [pkt[:cut], pkt[cut:] + PKTS[1]])
            assert packets(ev) == [pkt, PKTS[1]] and errors(ev) == [], cut
            assert ev[0].packet.cp["i11001-Info"] == "//line1\r\nline2 ##0101QN 日志\nline3//"
            assert ev[0].packet.deviations == ()


def test_waiting_peer_with_wrong_length_and_log_text():
    # a too-large length field: the frame still ends at the line break after "&&" + CRC
    bad = _log_packet("a\r\nb").replace(b"##01", b"##02", 1)
    ev = StreamDecoder(lenient=True).feed(bad)
    assert packets(ev) == [bad]
    assert [d.code for d in ev[0].packet.deviations] == ["length_mismatch"]
