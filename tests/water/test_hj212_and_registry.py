"""HJ 212 water values → observations (hj212.md §12.3, §9.3) and the section registry."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest
from sqlalchemy.orm import Session

from qingshan.hj212 import build
from qingshan.hj212.derive import flatten
from qingshan.standards import water_statistics as ws
from qingshan.standards.water_values import NANO
from qingshan.water.files import FileRefused
from qingshan.water.hj212 import StationConfig, default_factor_table, observations_from_hj212
from qingshan.water.importer import import_frame
from qingshan.water.registry import (
    SectionError,
    add_section,
    export_sections,
    import_sections,
    sections_frame,
    set_target,
    targets,
    update_section,
)

MN = "010000A8900016F000169DC0"
OTHER = "010000A8900016F000169DC1"


def _packets() -> pl.DataFrame:
    cps = [
        {"DataTime": "20260301100000", "w01001-Avg": "7.82", "w01001-Flag": "N", "w21003-Avg": "0.512",
         "w21003-Flag": "N", "w20119-Avg": "12.5", "w20119-Flag": "N", "w20141-Avg": "0.0125", "w20141-Flag": "N",
         "w20111-Avg": "0.03", "w20111-Flag": "N", "w01018-Avg": "18.2", "w01018-Flag": "T"},
        {"DataTime": "20260301110000", "w01001-Avg": "7.90", "w01001-Flag": "N", "w21003-Avg": "0.488",
         "w21003-Flag": "D", "w00000-Avg": "12.0", "w00000-Flag": "N"},
    ]
    rows = []
    for i, cp in enumerate(cps, start=1):
        raw = build(st="21", cn="2061", pw="123456", mn=MN, flag=None, qn=None, cp=cp, check=False)
        rows.append({"raw_id": i, "mn": MN, "cn": "2061", "datatime": datetime(2026, 3, 1, 9 + i), "raw": raw})
    raw = build(st="21", cn="2061", pw="123456", mn=OTHER, flag=None, qn=None,
                cp={"DataTime": "20260301100000", "w01001-Avg": "7.0", "w01001-Flag": "N"}, check=False)
    rows.append({"raw_id": 9, "mn": OTHER, "cn": "2061", "datatime": datetime(2026, 3, 1, 10), "raw": raw})
    return flatten(pl.DataFrame(rows))


def test_factor_table_is_versioned_unconfirmed():
    t = default_factor_table()
    assert t.status == "UNCONFIRMED" and "12.3" in t.source
    codes = {c: (i, u) for c, i, u in t.rows}
    assert codes["w20119"] == ("as", "μg/L") and codes["w20141"] == ("as", "mg/L")
    assert codes["w20117"] == ("cr6", "μg/L") and codes["w01017"] == ("bod5", "mg/L")  # not conductivity
    assert codes["w01014"][0] == "cond"


def test_observations_from_hj212_units_codes_and_flags():
    obs, notes = observations_from_hj212(_packets(), {MN: StationConfig("S1")})
    got = {(o["time"].hour, o["item"]): o for o in obs.to_dicts()}
    assert got[(10, "ph")]["value_nano"] == Fraction("7.82") * NANO
    # both arsenic codes sent, none configured: the table's first (w20119, μg/L) is used; 12.5 μg/L
    assert got[(10, "as")]["value_nano"] == Fraction("0.0125") * NANO
    assert got[(10, "hg")]["value_nano"] == Fraction("0.00003") * NANO  # 0.03 μg/L, exactly
    assert got[(10, "cod")]["flag"] == "T" and got[(11, "nh3n")]["flag"] == "D"
    assert (11, "wt") not in got and all(o["item"] != "w00000" for o in obs.to_dicts())
    reasons = " ".join(n.reason for n in notes)
    assert "w20141 未导入" in reasons and OTHER in reasons and "w00000" in reasons
    # configured: this station's arsenic is w20141 in mg/L
    obs2, _ = observations_from_hj212(_packets(), {MN: StationConfig("S1", codes={"as": "w20141"})})
    as2 = obs2.filter(pl.col("item") == "as")["value_nano"].item()
    assert as2 == Fraction("0.0125") * NANO
    # a wrong unit configuration is off by 1000 — the reason it is explicit
    obs3, _ = observations_from_hj212(_packets(), {MN: StationConfig("S1", units={"w20119": "mg/L"})})
    assert obs3.filter(pl.col("item") == "as")["value_nano"].item() == Fraction("12.5") * NANO


def test_hj212_values_follow_the_flag_policy_in_means():
    obs, _ = observations_from_hj212(_packets(), {MN: StationConfig("S1")})
    long = obs.rename({"section_code": "section"}).with_columns(source=pl.lit("hj212"))
    m = {r["item"]: r for r in ws.period_means(long, ["section"]).to_dicts()}
    assert m["nh3n"]["n_valid"] == 1 and m["nh3n"]["excluded"] == '{"D": 1}'  # D excluded (hj212.md §9.3)
    assert m["cod"]["n_valid"] == 0 and m["cod"]["value_nano"] is None  # T excluded by default


def test_hj212_observations_import_as_a_batch(store):
    with Session(store.engine) as s:
        add_section(s, code="S1", name="自动站断面")
        s.commit()
    obs, notes = observations_from_hj212(_packets(), {MN: StationConfig("S1")})
    r = import_frame(obs, store, source="hj212", kind="hj212", label="hj212:2026-03-01")
    assert r.ok and store.count() == obs.height
    import_frame(obs, store, source="hj212", kind="hj212", label="hj212:2026-03-01")
    assert store.count() == obs.height


# --- registry ----------------------------------------------------------------------------------


def test_registry_add_update_target_with_before_after(store):
    with Session(store.engine) as s:
        row = add_section(s, code="140200-01", name="固定桥", river="桑干河", water_body="河流", county_code="140215",
                          control_level="国考", lon="113.6", lat="40.0", seq="1")
        assert row["water_body"] == "river" and row["lon"] == 113.6 and row["seq"] == 1 and row["active"]
        before, after = update_section(s, "140200-01", water_body="reservoir", responsible_unit="云州区人民政府")
        assert before["water_body"] == "river" and after["water_body"] == "reservoir"
        assert after["responsible_unit"] == "云州区人民政府"
        b, a = set_target(s, "140200-01", 2026, "Ⅳ")
        assert b is None and a["target_class"] == 4
        b, a = set_target(s, "140200-01", 2026, "III")
        assert b["target_class"] == 4 and a["target_class"] == 3
        for bad, msg in (({"county_code": "14021"}, "GB/T 2260"), ({"control_level": "县考"}, "国考"),
                         ({"water_body": "sea"}, "river"), ({"lon": "200"}, "不在中国境内")):
            with pytest.raises(SectionError, match=msg):
                update_section(s, "140200-01", **bad)
        with pytest.raises(SectionError, match="已登记"):
            add_section(s, code="140200-01", name="x")
        with pytest.raises(SectionError, match="未登记"):
            set_target(s, "nope", 2026, 3)
        s.commit()
    assert targets(store.engine, 2026)["target_class"].to_list() == [3]


def test_registry_import_export_roundtrip(store, tmp_path):
    src = tmp_path / "sections.csv"
    src.write_text(
        "断面编码,断面名称,河流,水体类型,区县代码,控制级别,2025年目标,target_2026\n"
        "A1,甲断面,桑干河,河流,140215,国考,Ⅲ,Ⅲ\n"
        "A2,乙水库,乙水库,水库,140212,市考,III,2\n"
        "A3,丙断面,御河,河流,1402,国考,,\n"  # bad county code
        "A1,甲断面,桑干河,河流,140215,国考,Ⅲ,Ⅲ\n",  # duplicate code
        encoding="gbk",
    )
    with Session(store.engine) as s:
        r = import_sections(s, src)
        s.commit()
    assert (r.added, r.updated, r.targets_set) == (2, 0, 4)
    assert [e.row for e in r.errors] == [4, 5] and "GB/T 2260" in r.errors[0].reason
    f = sections_frame(store.engine)
    assert f["code"].to_list() == ["A2", "A1"]  # ordered by river name, then seq
    assert dict(zip(f["code"], f["water_body"], strict=True)) == {"A1": "river", "A2": "reservoir"}
    with Session(store.engine) as s:  # re-import changes nothing
        r2 = import_sections(s, src)
        s.commit()
    assert (r2.added, r2.updated, r2.targets_set) == (0, 0, 0)
    out = tmp_path / "out.xlsx"
    assert export_sections(store.engine, out, year=2026) == 2
    with Session(store.engine) as s:  # the exported workbook imports back unchanged
        r3 = import_sections(s, out)
        s.commit()
    assert (r3.added, r3.updated, r3.targets_set, r3.errors) == (0, 0, 0, [])
    csv_out = tmp_path / "out.csv"
    export_sections(store.engine, csv_out, year=2025)
    assert csv_out.read_text("utf-8").startswith("\ufeff断面编码,断面名称")


def test_registry_import_needs_a_name_or_code(store, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("河流,水体类型\n桑干河,river\n", encoding="utf-8")
    with Session(store.engine) as s, pytest.raises(FileRefused, match="断面名称"):
        import_sections(s, p)
