"""``qingshan hj212 parse FILE [--lenient]``: one JSON object per input line."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from typer.testing import CliRunner

from qingshan.hj212.cli import app

_spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
_ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ex)
EXAMPLES = _ex.EXAMPLES


def run(tmp_path: Path, content: bytes, *args: str) -> list[dict]:
    f = tmp_path / "packets.txt"
    f.write_bytes(content)
    result = CliRunner().invoke(app, ["parse", str(f), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_parse_file_with_mixed_line_endings(tmp_path):
    content = EXAMPLES["P2"] + EXAMPLES["P5"][:-2] + b"\n" + EXAMPLES["P1"][:-2] + b"\n\n" + EXAMPLES["P6"][:-2]
    out = run(tmp_path, content)
    assert [r["ok"] for r in out] == [True] * 4
    p2 = out[0]
    assert (p2["qn"], p2["st"], p2["cn"], p2["pw"], p2["mn"], p2["flag"]) == (
        "20240315143000123", "22", "2011", "123456", "32010000000000000000A001", 5,
    )  # fmt: skip
    assert p2["datatime"] == "20240315143000" and p2["error"] is None
    assert p2["values"]["a21005"] == {"Rtd": "0.7", "Flag": "N"}
    assert (out[1]["pnum"], out[1]["pno"]) == (2, 1)
    assert out[1]["values"]["w00000"]["Cou"] == "63.0"  # strings exactly as received
    assert out[2]["values"] == {}  # RtdInterval is not a factor item
    for r in out:  # exactly the keys issue 3 names
        assert set(r) == {"ok", "error", "qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno", "datatime", "values"}


def test_bad_line_reports_error_and_the_rest_continues(tmp_path):
    bad = EXAMPLES["P1"].replace(b"1C80", b"1C81")
    out = run(tmp_path, bad + EXAMPLES["P7"])
    assert out[0]["ok"] is False and "第 1 行" in out[0]["error"]
    assert out[0]["error"].startswith("CrcMismatch: ")  # the typed error, inside the string
    assert out[0]["qn"] is None and out[0]["values"] == {}
    assert set(out[0]) == {"ok", "error", "qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno", "datatime", "values"}
    assert out[1]["ok"] is True and out[1]["cn"] == "9011"


def test_lenient_adds_deviations(tmp_path):
    line = EXAMPLES["P2"].replace(b"6FC0", b"6fc0").replace(b"##0279", b"##0280")
    strict = run(tmp_path, line)
    assert strict[0]["ok"] is False
    out = run(tmp_path, line, "--lenient")
    assert out[0]["ok"] is True
    assert [d["code"] for d in out[0]["deviations"]] == ["length_mismatch", "crc_lowercase"]
    assert all(d["message"] for d in out[0]["deviations"])
    assert set(out[0]) == {"ok", "error", "qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno", "datatime", "values",
                           "deviations"}
    bad = run(tmp_path, EXAMPLES["P1"].replace(b"1C80", b"1C81"), "--lenient")[0]
    assert bad["ok"] is False and bad["deviations"] == [] and bad["error"].startswith("CrcMismatch: ")


def test_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["parse", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
