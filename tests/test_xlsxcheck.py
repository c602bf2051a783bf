"""Every importer refuses an inflating .xlsx before openpyxl parses it (issue 9 item 8).

Found by review: only the ledger import checked the package; a 3.9 MiB upload of 1.2 million
cells to the emergency list import took 17.8 s and 736 MiB before its 422. Each importer below
is given (a) a ~100 KB workbook holding one 100 MiB string and (b) a workbook of more cells than
the limit, with openpyxl's loader replaced by one that fails the test if called.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from qingshan import xlsxcheck
from qingshan.assessment import scheme as assessment_scheme
from qingshan.assessment import service as assessment_service
from qingshan.carbon import sheets as carbon_sheets
from qingshan.emergency import forecasts, listio
from qingshan.emergency.errors import ImportRefused
from qingshan.landwaste import sheets as landwaste_sheets
from qingshan.standards.assessment_score import SchemeError
from qingshan.store.db import make_engine
from qingshan.store.migrate import upgrade
from qingshan.targets import excel as targets_excel
from qingshan.water import files as water_files


def _workbook(rows: int = 2, cols: int = 3) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in range(rows):
        ws.append([f"r{r}c{c}" for c in range(cols)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bomb() -> bytes:
    huge = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + b"A" * (100 * 1024 * 1024)
            + b"</t></is></c></row></sheetData></worksheet>")
    src = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = huge if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


BOMB = _bomb()


@pytest.fixture
def no_parsing(monkeypatch):
    def parse(*a, **kw):
        raise AssertionError("the workbook was parsed before its package was checked")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)  # the importers that import it when called
    monkeypatch.setattr(listio, "load_workbook", parse)
    monkeypatch.setattr(forecasts, "load_workbook", parse)


@pytest.fixture(scope="module")
def emergency_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('xlsx') / 'em.db'}"
    upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


def _refusals(tmp_path: Path, content: bytes, emergency_db) -> dict[str, str]:
    """Each importer's refusal message for ``content`` (saved as 测试.xlsx)."""
    path = tmp_path / "测试.xlsx"
    path.write_bytes(content)
    out: dict[str, str] = {}
    with Session(emergency_db) as s, pytest.raises(ImportRefused) as exc:
        listio.import_list(s, content, path.name)
    out["emergency list"] = str(exc.value)
    with pytest.raises(ImportRefused) as exc:
        forecasts.parse_forecast(content, path.name)
    out["emergency forecast"] = str(exc.value)
    with pytest.raises(water_files.FileRefused) as exc:
        water_files.read_sheet(path, content)
    out["water"] = str(exc.value.error)
    with pytest.raises(carbon_sheets.SheetError) as exc:
        carbon_sheets.read_rows(path, content)
    out["carbon"] = str(exc.value)
    with pytest.raises(landwaste_sheets.SheetError) as exc:
        landwaste_sheets.read_sheets(path, content)
    out["landwaste"] = str(exc.value)
    plan, errors = targets_excel.read_workbook(io.BytesIO(content), set(), filename=path.name)
    assert plan == {} and len(errors) == 1
    out["targets"] = str(errors[0])
    with pytest.raises(SchemeError) as exc:
        assessment_scheme.load(path)
    out["assessment scheme"] = str(exc.value)
    with pytest.raises(SchemeError) as exc:
        assessment_service.read_inputs(path)
    out["assessment inputs"] = str(exc.value)
    return out


def test_a_zip_bomb_is_refused_by_every_importer_before_parsing(tmp_path, emergency_db, no_parsing):
    assert len(BOMB) < 200 * 1024
    started = time.perf_counter()
    refusals = _refusals(tmp_path, BOMB, emergency_db)
    assert time.perf_counter() - started < 5.0  # nothing inflated: 8 importers, a directory read each
    for importer, message in refusals.items():
        assert "解压后" in message and "未导入任何数据" in message and "测试.xlsx" in message, (importer, message)


def test_too_many_cells_are_refused_by_every_importer_before_parsing(tmp_path, emergency_db, no_parsing,
                                                                      monkeypatch):
    monkeypatch.setattr(xlsxcheck.package_problem, "__kwdefaults__",
                        {"max_unzipped": xlsxcheck.MAX_UNZIPPED_BYTES, "max_cells": 500})
    refusals = _refusals(tmp_path, _workbook(rows=60, cols=9), emergency_db)  # 540 cells
    for importer, message in refusals.items():
        assert "超过 500 个单元格" in message, (importer, message)


def test_an_ordinary_workbook_passes_and_the_limits_are_what_refuse():
    assert xlsxcheck.package_problem(_workbook(rows=100, cols=20), "普通.xlsx") is None
    assert xlsxcheck.package_problem(b"PK\x03\x04 not really", "坏.xlsx") is None  # the importer's "cannot read"
    assert xlsxcheck.package_problem(BOMB, "炸弹.xlsx", max_unzipped=200 * 1024 * 1024) is None
