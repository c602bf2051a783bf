"""Fuzzing the HJ 212 codec and the gateway's protocol object (issue 7): hypothesis here, and
a bounded atheris (libFuzzer, coverage-guided) run of the same targets (fuzz/harness.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hj212.fuzz.harness import SEEDS, codec_target, decoder_target, protocol_target

FUZZ = Path(__file__).parent / "fuzz"
_settings = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw) -> bytes:
    """A §15 packet with random edits: byte flips, insertions, deletions, spliced garbage; plus
    the DataTimes of issue 7 (year 0000, year 0026, far future) substituted."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "time"]))
        i = draw(st.integers(0, len(data)))
        if op == "flip" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(max_size=40))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 20))]
        elif op == "time":
            k = data.find(b"DataTime=")
            if k != -1:
                data[k + 9:k + 23] = draw(st.sampled_from([b"00000101000000", b"00260601001030", b"99991231235959",
                                                          b"20240230000000", b"2024-03-15 14:30", b""]))
    return bytes(data)


@_settings
@given(st.one_of(st.binary(max_size=1200), mutated()))
def test_codec_raises_only_typed_errors(data):
    codec_target(data)


@_settings
@given(st.lists(st.one_of(mutated(), st.binary(max_size=300)), max_size=6), st.integers(1, 400))
def test_stream_decoder_never_raises_and_stays_bounded(parts, cut):
    decoder_target(b"".join(parts), cut)


@_settings
@given(st.lists(st.one_of(mutated(), st.sampled_from(SEEDS), st.binary(max_size=300)), max_size=8),
       st.integers(1, 400))
def test_protocol_object_never_raises_and_every_event_is_archivable(parts, cut):
    protocol_target(b"".join(parts), cut)


@pytest.mark.slow
def test_atheris_coverage_guided_run():
    """libFuzzer drives the same targets for a bounded number of inputs; any exception other
    than the codec's typed errors (or a failed invariant) makes the run exit non-zero."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FUZZ), *sys.path])}
    runs = os.environ.get("QINGSHAN_FUZZ_RUNS", "3000")
    proc = subprocess.run([sys.executable, str(FUZZ / "atheris_main.py"), f"-runs={runs}", "-seed=1",
                           "-max_len=2048"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Done {runs} runs" in proc.stderr
