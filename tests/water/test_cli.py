"""``qingshan water …`` through Typer's CliRunner, on the embedded default database."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from qingshan.cli import app

runner = CliRunner()


def _run(*args):
    res = runner.invoke(app, ["water", *args])
    return res


def test_classify_needs_no_database(_isolated_home, water_dir, tmp_path):
    out = tmp_path / "o.csv"
    res = _run("classify", str(water_dir / "cnemc_realtime_2026-08-26_1300.csv"), "--format", "cnemc", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert not (_isolated_home / "qingshan.db").exists()
    assert out.read_text("utf-8").splitlines()[0] == "section,time,class,main_pollutants,items_evaluated,limit_tie"


def test_classify_table_format(tmp_path):
    p = tmp_path / "lab.csv"
    p.write_text(
        "断面,采样时间,项目,数值,检出限\n"
        "甲,2026-03-05,高锰酸盐指数,3.7,\n甲,2026-03-05,溶解氧,6.8,\n甲,2026-03-05,氨氮,1.32,\n"
        "乙,2026-03-05,总磷,0.06,\n乙,2026-03-05,汞,ND,0.00004\n乙,2026-03-05,pH,abc,\n",
        encoding="utf-8",
    )
    sec = tmp_path / "sections.csv"
    sec.write_text("name,water_body\n乙,lake\n", encoding="utf-8")
    res = _run("classify", str(p), "--format", "table", "--sections", str(sec), "--no-registry")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["section"], r["class"], r["main_pollutants"]) for r in rows] == [("甲", "Ⅳ", "氨氮(0.32)"), ("乙", "Ⅳ", "总磷(0.20)")]
    assert rows[1]["items_evaluated"] == "总磷、汞"
    assert "不是数字" in res.stderr


def test_classify_refuses_a_non_cnemc_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    res = _run("classify", str(p), "--format", "cnemc", "--no-registry")
    assert res.exit_code == 1 and "不是 CNEMC" in res.stderr


def test_sections_lifecycle_and_import_report(_isolated_home, tmp_path):
    assert _run("sections", "add", "--code", "S1", "--name", "甲断面", "--river", "桑干河", "--county", "140215",
                "--level", "国考").exit_code == 0
    res = _run("sections", "add", "--code", "S2", "--name", "乙", "--county", "1402")
    assert res.exit_code == 1 and "GB/T 2260" in res.stderr
    res = _run("sections", "set", "S1", "water_body=lake", "responsible_unit=云州区")
    assert res.exit_code == 0 and "river → lake" in res.stdout
    assert _run("sections", "target", "S1", "2026", "Ⅲ").exit_code == 0
    listed = json.loads(_run("sections", "list", "--format", "json", "--year", "2026").stdout)
    assert listed[0]["code"] == "S1" and listed[0]["water_body"] == "lake" and listed[0]["target_class"] == 3
    table = _run("sections", "list", "--year", "2026")
    assert "甲" in table.stdout and "Ⅲ" in table.stdout
    out = tmp_path / "s.xlsx"
    assert _run("sections", "export", str(out), "--year", "2026").exit_code == 0
    assert _run("sections", "import", str(out)).exit_code == 0
    lab = tmp_path / "lab.csv"
    lab.write_text("断面编码,采样时间,项目,数值\nS1,2026-03-05,总磷,0.06\nS1,2026-03-05,氨氮,-1\nS9,2026-03-05,总磷,0.1\n",
                   encoding="gbk")
    res = _run("import", str(lab), "--kind", "lab", "--format", "json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)[0]
    assert (summary["rows_read"], summary["rows_kept"], summary["values_written"]) == (3, 1, 1)
    assert [e["row"] for e in summary["errors"]] == [3, 4] and summary["encoding"] == "GB18030"
    again = json.loads(_run("import", str(lab), "--kind", "lab", "--format", "json").stdout)[0]
    assert again["previous_batch"] == summary["batch_id"]
    # nothing changed in the store: the one value is counted as unchanged, not as written
    assert (again["values_written"], again["values_new"], again["values_unchanged"]) == (0, 0, 1)
    table = runner.invoke(app, ["water", "import", str(lab), "--kind", "lab"], env={"COLUMNS": "200"}).stdout
    row = next(line for line in table.splitlines() if "lab.csv" in line)
    assert [c.strip() for c in row.split("│")[4:7]] == ["1", "2", "0（未变 1）"]  # 导入行, 拒绝行, 写入数值
    rep = json.loads(_run("report", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json").stdout)
    assert rep["period"] == "2026年3月" and rep["sections"][0]["class_label"] == "Ⅳ"  # lake TP 0.06
    assert rep["sections"][0]["target_label"] == "Ⅲ" and rep["sections"][0]["attained"] is False
    csv_out = _run("report", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("断面编码,断面,河流") and "S1,甲断面" in csv_out
    assert "地表水环境质量 2026年3月" in _run("report", "--from", "2026-03-01", "--to", "2026-03-31").stdout
    assert "lab.csv" in _run("batches").stdout


def test_import_cnemc_register_and_bad_kind(water_dir):
    res = _run("import", str(water_dir / "cnemc_realtime_2026-08-26_1300.csv"), "--kind", "cnemc", "--register-sections")
    assert res.exit_code == 0 and "367" in res.stdout
    assert _run("import", str(water_dir / "sections-2026-08-26.csv"), "--kind", "xyz").exit_code != 0


def test_report_bad_dates():
    res = _run("report", "--from", "2026-03-31", "--to", "2026-03-01")
    assert res.exit_code != 0 and "结束日期" in res.output


def test_import_water_is_offered_beside_the_air_importers(water_dir):
    """`qingshan import water` (issue 10 item 5) is the water domain's importer; SOURCE.md: 367 records."""
    path = str(water_dir / "cnemc_realtime_2026-08-26_1300.csv")
    res = runner.invoke(app, ["import", "water", path, "--kind", "cnemc", "--register-sections", "--format", "json"])
    assert res.exit_code == 0, res.output
    (summary,) = json.loads(res.stdout)
    assert (summary["status"], summary["rows_read"], summary["rows_rejected"]) == ("ok", 367, 0)


def test_command_line_registry_writes_are_audited(_isolated_home):
    """The CLI writes through the same audited service as the web (actor: the command line)."""
    from sqlalchemy import create_engine, select

    from qingshan.config import database_url
    from qingshan.core.audit import AuditRecord

    assert _run("sections", "add", "--code", "A1", "--name", "审计断面").exit_code == 0
    assert _run("sections", "set", "A1", "river=御河").exit_code == 0
    assert _run("sections", "target", "A1", "2026", "4").exit_code == 0
    eng = create_engine(database_url())
    try:
        with eng.connect() as c:
            rows = c.execute(select(AuditRecord.action, AuditRecord.object_type, AuditRecord.object_id,
                                    AuditRecord.username, AuditRecord.after)).all()
    finally:
        eng.dispose()
    assert [(a, t, o) for a, t, o, _u, _x in rows] == [
        ("create", "water_section", "A1"), ("update", "water_section", "A1"), ("create", "water_section_target", "A1/2026")]
    assert all(u is None for *_, u, _x in rows) and rows[1][4]["river"] == "御河"


def test_report_of_a_xun_without_samples_lists_sections(_isolated_home):
    # 2026-03-01—03-10 is 3月上旬 (water.md §3); no sample in it: the registered section is listed
    # as having no data instead of an empty table
    assert _run("sections", "add", "--code", "S1", "--name", "甲断面", "--river", "桑干河", "--county", "140215",
                "--level", "国考").exit_code == 0
    rep = json.loads(_run("report", "--from", "2026-03-01", "--to", "2026-03-10", "--format", "json").stdout)
    assert (rep["kind"], rep["period"]) == ("xun", "2026年3月上旬")
    assert [(s["code"], s["no_data"], s["class_label"]) for s in rep["sections"]] == [("S1", True, "")]
    rows = list(csv.DictReader(io.StringIO(_run("report", "--from", "2026-03-01", "--to", "2026-03-10",
                                                "--format", "csv").stdout)))
    assert [(r["断面编码"], r["水质状况"]) for r in rows] == [("S1", "无监测数据")]
    week = json.loads(_run("report", "--from", "2026-03-02", "--to", "2026-03-08", "--format", "json").stdout)
    assert (week["kind"], week["period"]) == ("week", "2026年第10周")
