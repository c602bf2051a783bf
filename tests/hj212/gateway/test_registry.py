"""Source registry: GB 32100 check digit, validation, shipped limit sets, migration = models."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from qingshan.hj212 import models as hj212_models  # noqa: F401  (registers the tables)
from qingshan.sources import registry
from qingshan.sources.limits import limit_set, limit_set_ids
from qingshan.sources.uscc import USCCError, check_char, validate_uscc
from qingshan.store.base import Base
from qingshan.store.db import make_engine


# Published codes: the GB 32100 illustration code and two enterprises' codes from their licences.
@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108551385082Q", "911100001000044477"])
def test_uscc_check_digit_valid(code):
    assert validate_uscc(code.lower()) == code
    assert check_char(code[:17]) == code[17]


def test_uscc_errors_say_where():
    with pytest.raises(USCCError, match="校验码错误.*应为“3”"):
        validate_uscc("91350100M000100Y44")
    with pytest.raises(USCCError, match="第9位字符“I”"):
        validate_uscc("91350100I000100Y43")
    with pytest.raises(USCCError, match="应为18位"):
        validate_uscc("9135010")


def test_limit_sets_carry_cited_values():
    ul = {s.factor: s for s in limit_set("ultra_low_2015")}
    # 环发〔2015〕164号: PM 10, SO2 35, NOx 50 mg/m³ at 6 % O2
    assert (ul["a34013"].value, ul["a21026"].value, ul["a21002"].value) == (Decimal(10), Decimal(35), Decimal(50))
    assert {s.ref_o2 for s in ul.values()} == {"6"} and {s.basis for s in ul.values()} == {"converted"}
    special = {s.factor: s.value for s in limit_set("gb13223_2011_coal_special")}
    assert special == {"a34013": Decimal(20), "a21026": Decimal(50), "a21002": Decimal(100)}
    wwtp = {s.factor: s.value for s in limit_set("gb18918_2002_1a")}
    assert wwtp["w01018"] == Decimal(50) and wwtp["w21003"] == Decimal(5)
    assert all(s.standard and s.clause for sid in limit_set_ids() for s in limit_set(sid))
    with pytest.raises(KeyError, match="未知的排放限值集"):
        limit_set("nope")


def test_migration_matches_models(db_url):
    engine = make_engine(db_url)
    ours = {t for t in Base.metadata.tables if t.startswith(("src_", "hj212_"))}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    relevant = [d for d in diff if _table(d) in ours]
    engine.dispose()
    assert relevant == []


def _table(d) -> str:
    """The table a diff entry concerns (not any table whose repr names ours: another domain's
    table with a foreign key to src_enterprise is not ours, whichever models are imported)."""
    d = d[0] if isinstance(d, list) else d
    op, args = d[0], d[1:]
    if op.endswith("_table"):
        return args[0].name
    if op.endswith("_column") or op.startswith("modify_"):
        return args[1]
    return args[0].table.name  # constraint, index, foreign key


def test_register_and_load(db_url):
    engine = make_engine(db_url)
    with Session(engine) as s:
        ent = registry.add_enterprise(s, "国电电力大同湖东发电有限公司（演示）", "91350100M000100Y43",
                                      "火电", "140215")
        out = registry.add_outlet(s, ent, "DA001", "gas", "1号机组烟囱", 113.61, 40.04)
        registry.add_device(s, "320100000000000000001A01", "123456", "31", out)
        registry.apply_limit_set(s, out, "ultra_low_2015")
        s.commit()
        with pytest.raises(registry.RegistryError, match="24位十六进制"):
            registry.add_device(s, "XYZ", "123456", "31", out)
        with pytest.raises(registry.RegistryError, match="6个字符"):
            registry.add_device(s, "320100000000000000001A02", "12345", "31", out)
        with pytest.raises(registry.RegistryError, match="校验码错误"):
            registry.add_enterprise(s, "坏企业", "91350100M000100Y44")
    devs = registry.load_devices(engine)
    dev = devs["320100000000000000001A01"]
    assert dev.pw_hash != "123456" and registry.verify_password(dev.pw_hash, "123456")
    assert not registry.verify_password(dev.pw_hash, "654321")
    lims = {r["factor"]: r for r in registry.load_limits(engine)}
    assert lims["a21026"]["limit_value"] == "35" and lims["a21026"]["basis"] == "converted"
    engine.dispose()


def test_raw_archive_is_append_only(db_url):
    from datetime import datetime

    from sqlalchemy import text

    from qingshan.hj212.gateway.writer import ArchiveItem, BatchWriter

    engine = make_engine(db_url)
    w = BatchWriter(db_url, engine)
    w.commit([ArchiveItem(datetime(2026, 11, 29), "127.0.0.1:1", b"##0000", "rejected", "garbage: x")])
    w.close()
    for sql in ("UPDATE hj212_raw_packet SET verdict = 'accepted'", "DELETE FROM hj212_raw_packet"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT verdict FROM hj212_raw_packet")).scalar() == "rejected"
    engine.dispose()
