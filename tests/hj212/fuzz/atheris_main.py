"""Coverage-guided fuzzing with atheris (libFuzzer) of the targets in harness.py.

Run: ``.venv/bin/python tests/hj212/fuzz/atheris_main.py -runs=20000`` (any libFuzzer flags);
tests/hj212/test_fuzz.py runs it for a bounded number of inputs in CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).parent))

with atheris.instrument_imports():
    import harness  # noqa: E402
    import qingshan.hj212.cp  # noqa: F401,E402
    import qingshan.hj212.framing  # noqa: F401,E402
    import qingshan.hj212.gateway.protocol  # noqa: F401,E402
    import qingshan.hj212.packet  # noqa: F401,E402


def one_input(data: bytes) -> None:
    if not data:
        return
    # first byte: which seed to splice the rest into, and the read size for the stream targets
    seed = harness.SEEDS[data[0] % len(harness.SEEDS)]
    body = data[1:]
    spliced = seed[: len(body) % len(seed)] + body + seed[len(body) % len(seed):]
    harness.codec_target(body)
    harness.codec_target(spliced)
    harness.decoder_target(spliced + body, data[0] % 97 + 1)
    harness.protocol_target(seed + spliced + seed, data[0] % 89 + 1)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
