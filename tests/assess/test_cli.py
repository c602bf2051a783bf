"""The four commands of issue item 7 via typer's CliRunner on the demo store."""

from __future__ import annotations

import io
import json

from docx import Document
from typer.testing import CliRunner

from qingshan.assessment.scheme import packaged
from qingshan.cli import app

runner = CliRunner()


def test_targets_status_json_and_table(demo_url, monkeypatch):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", demo_url)
    r = runner.invoke(app, ["targets", "status", "--date", "2026-03-31", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["remaining_days"] == 275 and data["demo"] is True
    assert [x["name"] for x in data["air"]][:2] == ["大同市", "平城区"] and len(data["air"]) == 11
    assert {o["status"] for o in data["other"]} == {"暂无数据"}
    r = runner.invoke(app, ["targets", "status", "--date", "2026-03-31"])
    assert r.exit_code == 0 and "剩余日控制值" in r.stdout
    r = runner.invoke(app, ["targets", "status", "--date", "2026-02-30"])
    assert r.exit_code != 0 and "YYYY-MM-DD" in r.output


def test_bulletin_commands_write_docx_and_html(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", demo_url)
    out = tmp_path / "air.docx"
    r = runner.invoke(app, ["bulletin", "air", "--month", "2026-03", "-o", str(out), "--date", "2026-04-05"])
    assert r.exit_code == 0, r.output
    assert len(Document(io.BytesIO(out.read_bytes())).tables) == 5 and out.with_suffix(".html").exists()
    r = runner.invoke(app, ["bulletin", "work", "--month", "2026-03", "-o", str(tmp_path / "w.docx")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["bulletin", "air", "--month", "2026-3", "-o", str(out)])
    assert r.exit_code == 1 and "YYYY-MM" in r.output


def test_bulletin_without_units_is_a_clear_error(migrated_sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", migrated_sqlite_url)
    r = runner.invoke(app, ["bulletin", "air", "--month", "2026-03", "-o", str(tmp_path / "a.docx")])
    assert r.exit_code == 1 and "qingshan targets import" in r.output


def test_assess_command(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", demo_url)
    scheme = tmp_path / "s.json"
    scheme.write_text(json.dumps(packaged("datong_2026_demo"), ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["assess", "--year", "2026", "--scheme", str(scheme), "--date", "2026-03-31",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 10
    # no inputs given: each unit says which input is missing; PM2.5 x/t/b came from the platform
    assert all(x["error"] and "缺少输入" in x["error"] for x in rows)
    assert all(set(x["platform_inputs"]["5"]) == {"x", "t", "b"} for x in rows)
    bad = tmp_path / "in.json"
    bad.write_text(json.dumps({"units": {"999999": {}}}), encoding="utf-8")
    r = runner.invoke(app, ["assess", "--year", "2026", "--scheme", str(scheme), "--inputs", str(bad)])
    assert r.exit_code == 1 and "未知的单位：999999" in r.output


def test_targets_import_error_exit(migrated_sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", migrated_sqlite_url)
    r = runner.invoke(app, ["targets", "import", str(tmp_path / "missing.xlsx")])
    assert r.exit_code == 1 and "找不到文件" in r.output
