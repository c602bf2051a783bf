"""`qingshan sources …`: registering enterprises, outlets with a shipped limit set, devices."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.config import database_url
from qingshan.sources.models import Device, Outlet, OutletLimit
from qingshan.store.db import make_engine

USCC = "91140200MA0GRUFX4M"  # check digit per GB 32100 (tests/hj212/gateway cover the algorithm)
MN = "010000A8900016F000169DC0"


def run(*args: str):
    return CliRunner().invoke(app, ["sources", *args])


def test_register_enterprise_outlet_limits_and_device():
    assert run("enterprise", "演示电厂", "--uscc", USCC, "--county", "140215").exit_code == 0
    r = run("outlet", USCC, "DA001", "--kind", "gas", "--name", "1号机组烟囱", "--limits", "ultra_low_2015")
    assert r.exit_code == 0, r.output
    r = run("device", MN, "--password", "123456", "--st", "31", "--uscc", USCC, "--outlet", "DA001", "--strict")
    assert r.exit_code == 0, r.output
    with Session(make_engine(database_url())) as s:
        dev = s.scalar(select(Device).where(Device.mn == MN))
        assert dev.strict and dev.pw_hash != "123456"  # only a hash is kept
        limits = {lim.factor: lim.limit_value for lim in s.scalars(select(OutletLimit))}
    # 环发〔2015〕164号 ultra-low emission: PM 10, SO2 35, NOx 50 mg/m³ (a34013, a21026, a21002)
    assert limits == {"a34013": "10", "a21026": "35", "a21002": "50"}


def test_bad_input_is_refused_in_chinese_and_nothing_half_written():
    assert run("enterprise", "x", "--uscc", "91140200MA0GRUFX4X").exit_code == 1  # wrong check digit
    assert run("enterprise", "演示电厂", "--uscc", USCC).exit_code == 0
    r = run("outlet", USCC, "DA002", "--kind", "gas", "--name", "2号", "--limits", "nope")
    assert r.exit_code == 1 and "未知的排放限值集" in r.output
    with Session(make_engine(database_url())) as s:
        assert s.scalar(select(Outlet).where(Outlet.code == "DA002")) is None  # rolled back
    r = run("device", "BAD", "--password", "123456", "--st", "31")
    assert r.exit_code == 1 and "MN" in r.output
