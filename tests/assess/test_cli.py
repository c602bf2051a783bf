"""The four commands of issue item 7 via typer's CliRunner on the demo store."""

from __future__ import annotations

import io
import json

from datetime import date

from docx import Document
from rich.console import Console
from typer.testing import CliRunner

from qingshan.assessment.scheme import packaged
from qingshan.cli import app
from qingshan.targets.cli import print_status
from qingshan.targets.tracking import build_status

runner = CliRunner()


def test_targets_status_json_and_table(demo_url, demo_ctx, monkeypatch):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", demo_url)
    r = runner.invoke(app, ["targets", "status", "--date", "2026-03-31", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["remaining_days"] == 275 and data["demo"] is True
    assert [x["name"] for x in data["air"]][:2] == ["大同市", "平城区"] and len(data["air"]) == 11
    assert {o["status"] for o in data["other"]} == {"暂无数据"}
    # the table layout of the same report (without reading the hours again)
    con = Console(record=True, width=200)
    print_status(con, build_status(demo_url, date(2026, 3, 31), ctx=demo_ctx))
    text = con.export_text()
    assert "剩余日控制值" in text and "【演示】" in text and "平城区" in text
    r = runner.invoke(app, ["targets", "status", "--date", "2026-02-30"])
    assert r.exit_code != 0 and "YYYY-MM-DD" in r.output


def test_bulletin_commands_write_docx_and_html(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", demo_url)
    r = runner.invoke(app, ["bulletin", "both", "--month", "2026-03", "-d", str(tmp_path), "--date", "2026-04-05"])
    assert r.exit_code == 0, r.output
    air, work = tmp_path / "bulletin-air-2026-03.docx", tmp_path / "bulletin-work-2026-03.docx"
    assert len(Document(io.BytesIO(air.read_bytes())).tables) == 5 and air.with_suffix(".html").exists()
    assert len(Document(io.BytesIO(work.read_bytes())).tables) == 8 and work.with_suffix(".html").exists()
    assert str(air) in r.stdout and "草稿" in r.stdout
    r = runner.invoke(app, ["bulletin", "air", "--month", "2026-3", "-o", str(tmp_path / "a.docx")])
    assert r.exit_code == 1 and "YYYY-MM" in r.output
    r = runner.invoke(app, ["bulletin", "work", "--month", "2026-03", "-o", str(tmp_path / "a.pdf")])
    assert r.exit_code != 0 and ".docx" in r.output


def test_bulletin_workflow_commands_refuse_clearly(demo_copy, monkeypatch):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", demo_copy)
    r = runner.invoke(app, ["bulletin", "publish", "air", "--month", "2026-03"])
    assert r.exit_code == 1 and "草稿" in r.output
    r = runner.invoke(app, ["bulletin", "verify", "work", "--month", "2026-03"])
    assert r.exit_code == 1 and "尚未发布" in r.output
    r = runner.invoke(app, ["bulletin", "review", "water", "--month", "2026-03"])
    assert r.exit_code == 1 and "未知的通报类型" in r.output
    r = runner.invoke(app, ["bulletin", "remarks", "--month", "2026-03", "--text", "加强督办。"])
    assert r.exit_code == 0 and "已保存" in r.output


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
