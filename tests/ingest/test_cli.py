"""``qingshan import`` and ``qingshan stations`` through Typer's runner (QINGSHAN_HOME isolated)."""

from __future__ import annotations

from typer.testing import CliRunner

from qingshan.ingest.cli import app as import_app
from qingshan.ingest.registry_cli import app as stations_app
from qingshan.store.observations import ObservationStore

runner = CliRunner()


def test_stations_and_import_for_datong(shared_dir, cnemc_dir, tmp_path):
    datong = shared_dir / "data" / "datong"
    r = runner.invoke(stations_app, ["import", str(datong / "divisions.csv"), "--city", "大同市"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(stations_app, ["import", str(datong / "air_stations.csv"), "--city", "大同市"])
    assert r.exit_code == 0 and "10 个站点" in r.output, r.output
    r = runner.invoke(stations_app, ["set", "3566A", "--notes", "新荣区图书馆（推断）"])
    assert r.exit_code == 0 and "新荣区" in r.output, r.output
    r = runner.invoke(stations_app, ["set", "0000X", "--notes", "x"])
    assert r.exit_code == 1 and "未登记" in r.output

    # Beijing's first 20 rows + Datong's 10 rows, without registering: Beijing rows are rejected
    lines = (cnemc_dir / "2022-01-02T09.csv").read_text(encoding="utf-8").splitlines()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join(lines[:21] + [x for x in lines if ",大同市," in x]) + "\n", encoding="utf-8")
    r = runner.invoke(import_app, ["cnemc", str(mixed), "--max-errors", "3"])
    assert r.exit_code == 0, r.output
    assert "未登记" in r.output and "另有 17 条未显示" in r.output
    with ObservationStore() as store:
        assert store.station_hours() == 10
        assert store.published_aqi_frame().height == 10

    r = runner.invoke(stations_app, ["list", "--city", "大同市"])
    assert r.exit_code == 0 and "1721A" in r.output and "3676A" in r.output

    r = runner.invoke(import_app, ["batches"])
    assert r.exit_code == 0 and "cnemc" in r.output and "成功" in r.output, r.output
    r = runner.invoke(import_app, ["errors", "1", "--max-errors", "50"])
    assert r.exit_code == 0 and "共 20 条" in r.output and "站点编码 1001A 未登记" in r.output, r.output


def test_import_table_failure_exits_nonzero(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    r = runner.invoke(import_app, ["table", str(p)])
    assert r.exit_code == 1
    assert "失败" in r.output


def test_stations_import_from_cnemc_file(cnemc_dir):
    r = runner.invoke(stations_app, ["import", str(cnemc_dir / "2022-01-02T09.csv"), "--city", "大同市"])
    assert r.exit_code == 0 and "新登记 10 个站点" in r.output, r.output
    r = runner.invoke(stations_app, ["import", str(cnemc_dir / "2022-07-15T16.csv"), "--city", "大同市"])
    assert r.exit_code == 0 and "新登记 0 个站点，更新 8 个" in r.output, r.output
    r = runner.invoke(stations_app, ["list", "--city", "大同市"])
    assert "果树场" in r.output and "是" in r.output  # 1721A is the control site (对照点)


def test_import_json_summary_for_automation(cnemc_dir, tmp_path):
    """``--format json``: counts per file and every issue with its row, field, kind and reason."""
    import json

    from qingshan.ingest.result import ImportReport

    lines = (cnemc_dir / "2022-01-02T09.csv").read_text(encoding="utf-8").splitlines()
    datong = [x for x in lines if ",大同市," in x]
    cols = lines[0].split(",")
    bad = datong[1].split(",")
    bad[cols.index("pm2_5")] = "1000000000"
    p = tmp_path / "d.csv"
    p.write_text("\n".join([lines[0], datong[0], ",".join(bad), datong[0]]) + "\n", encoding="utf-8")
    r = runner.invoke(import_app, ["cnemc", str(p), "--register-stations", "--format", "json"])
    assert r.exit_code == 0, r.output
    report = ImportReport.model_validate(json.loads(r.output))
    assert report.ok
    (f,) = report.files
    assert (f.status, f.rows_read, f.rows_imported, f.rows_rejected, f.values_flagged, f.values_rejected) == (
        "ok", 3, 2, 1, 0, 1)
    assert f.values_written == 11
    assert [(i.row, i.field, i.kind) for i in f.issues] == [(3, "pm2_5", "rejected"), (4, None, "skipped")]
    assert "超出可信上限 10000 μg/m³" in f.issues[0].reason
    # the same file again: recognised and skipped
    again = ImportReport.model_validate_json(runner.invoke(import_app, ["cnemc", str(p), "--register-stations",
                                                                        "--format", "json"]).output)
    assert (again.files[0].status, again.files[0].previous_batch) == ("skipped", f.batch_id)
    errs = json.loads(runner.invoke(import_app, ["errors", str(f.batch_id), "--format", "json"]).output)
    assert [i["kind"] for i in errs["issues"]] == ["rejected", "skipped"]
