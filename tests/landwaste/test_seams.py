"""The bulletin's seams to this domain (qingshan.targets.sources.soil / .waste) read the report
builders: figures checked against the spec's worked examples E1–E4 (soil-waste.md §7)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qingshan.landwaste.waste import ledger, manifests
from qingshan.store.db import make_engine
from qingshan.targets.sources import soil, waste
from landwaste_data import E4, enterprises, manifest_file, soil_e1_e2, workbook


def test_nothing_stored_reads_as_no_data(lw_url):
    assert soil.read(lw_url, "2026-11") is None
    assert waste.read(lw_url, "2026-11") is None


def test_seams_show_the_worked_examples(lw_url, tmp_path):
    eng = make_engine(lw_url)
    with Session(eng) as s:
        enterprises(s)
        soil_e1_e2(s, tmp_path)
        assert not ledger.import_ledger(s, workbook(tmp_path / "e3.xlsx")).errors  # E3, November 2026
        assert not manifests.import_manifests(s, manifest_file(tmp_path, "m.csv", E4)).errors
        s.commit()
    eng.dispose()
    sv = soil.read(lw_url, "2026-11")
    # E1 安全利用类, E2 S-1 between S and I, S-2 above I2: 3 assessed, 3 above screening, 1 above intervention
    assert (sv.samples_assessed, sv.samples_over_screening, sv.samples_over_intervention) == (3, 3, 1)
    assert sv.period_end == "2026-11-30" and sv.key_units_supervised is None
    assert any("名录未接入" in n for n in sv.notes)
    wv = waste.read(lw_url, "2026-11")
    # E3 plant: G = 58 271.0 t, R_u = 52370/60371 = 86.75 %; only November stored, so 1—11月 = November
    assert wv.generated_t == "58271" and wv.utilisation_rate_pub == "86.75"
    # E4: received Thu 11-19, due 11-26, unconfirmed on 11-30 → overdue
    assert (wv.hazardous_manifests, wv.manifests_overdue, wv.tailings_ponds_hazards_open) == (1, 1, 0)
    assert waste.read(lw_url, "2026-10") is None  # no ledger month, manifest or hazard by October
