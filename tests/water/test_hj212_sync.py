"""HJ 212 → water end to end: packets over TCP to the real gateway (in-process), the device
linked to a section, ``sync_hj212`` into the water store; then the station links and the CLI.

Every expected value below is worked out by hand from the packet text (hj212.md §12.3 units,
water.md nano-units: 1 mg/L = 10⁹ nano-units), never read off our own output.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.core.audit import SYSTEM, AuditRecord
from qingshan.core.errors import NotFound, PermissionDenied, ValidationFailed
from qingshan.core.org import User
from qingshan.hj212.gateway.server import Gateway
from qingshan.hj212.packet import build
from qingshan.sources import registry as src_registry
from qingshan.store.db import make_engine
from qingshan.water import service
from qingshan.water.evaluation import evaluate_periods
from qingshan.water.hj212_sync import micro_text, sync_hj212
from qingshan.water.models import StationLink
from qingshan.water.registry import add_section, sections_frame

MN = "320100000000000000003C01"
DAY = datetime(2026, 11, 2)
# hour → factor → (Avg text, Flag), ST = 21 surface water, CN = 2061 (hj212.md §12.3, §8)
HOURS = {
    8: {"w01001": ("7.82", "N"), "w21003": ("0.512", "N"), "w20119": ("12.5", "N"), "w20141": ("20.0", "N"),
        "w01018": ("14.0", "N"), "w00000": ("12.0", "N")},
    9: {"w01001": ("7.90", "N"), "w21003": ("2.650", "D"), "w20119": ("13.0", "N"), "w20141": ("21.5", "N"),
        "w01018": ("14.6", "N"), "w00000": ("11.5", "N")},
    10: {"w01001": ("8.01", "N"), "w21003": ("0.530", "N"), "w20119": ("12.0", "N"), "w20141": ("19.0", "N"),
         "w01018": ("13.2", "N"), "w00000": ("12.2", "N")},
}
G = 10**9  # nano-units per unit


def _packets() -> list[bytes]:
    out = []
    for h, factors in HOURS.items():
        t = DAY + timedelta(hours=h)
        cp = {"DataTime": f"{t:%Y%m%d%H%M%S}", **{f: {"Avg": v, "Flag": fl} for f, (v, fl) in factors.items()}}
        out.append(build(qn=f"{t + timedelta(hours=1):%Y%m%d%H%M%S}001", st="21", cn="2061", pw="123456", mn=MN,
                         flag=5, cp=cp))
    return out


def _register_device(url: str, datatime_label: str = "start") -> None:
    eng = make_engine(url)
    try:
        with Session(eng) as s, s.begin():
            src_registry.add_device(s, MN, "123456", "21", datatime_label=datatime_label)
    finally:
        eng.dispose()


def _send_through_gateway(url: str, packets: list[bytes]) -> list[bytes]:
    """The real gateway on a loopback port; one connection sends the packets, one reply each."""

    async def main() -> list[bytes]:
        # the DataTime window is the gateway's policy (tested in tests/hj212/gateway), not ours:
        # off, so the fixed November day is stored whatever the wall clock says
        gw = Gateway(url, "127.0.0.1", 0, alarm_interval=None, time_window=None)
        port = await gw.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            replies = []
            for p in packets:
                writer.write(p)
                await writer.drain()
                replies.append(await asyncio.wait_for(reader.readuntil(b"\r\n"), 10))
            writer.close()
            await writer.wait_closed()
            await gw.drain()
        finally:
            await gw.stop()
        return replies

    return asyncio.run(main())


def _section(url: str, code: str = "WS01") -> None:
    eng = make_engine(url)
    try:
        with Session(eng) as s:
            add_section(s, code=code, name="自动站断面", river="御河", county_code="140213", control_level="国考")
            s.commit()
    finally:
        eng.dispose()


def test_micro_text_is_the_exact_decimal():
    f = pl.DataFrame({"m": [7_820_000, 500, -2_650_000, 12_000_000, 0, None]}, schema={"m": pl.Int64})
    assert f.select(micro_text("m"))["m"].to_list() == ["7.82", "0.0005", "-2.65", "12", "0", None]


def test_gateway_to_water_observations_end_to_end(store, db_url):
    url = db_url
    _register_device(url)
    replies = _send_through_gateway(url, _packets())
    assert len(replies) == 3 and all(b"CN=9014" in r for r in replies)  # each packet acknowledged (§10.2)
    _section(url)
    with Session(store.engine) as s:
        # this station sends As twice: w20141 is the one it means, and it sends it in μg/L (§12.3)
        service.link_station(s, SYSTEM, None, MN, "WS01", codes={"as": "w20141"}, units={"w20141": "μg/L"})

    res = sync_hj212(url, DAY, DAY + timedelta(days=1))
    assert res.devices == 1
    assert res.values_read == 18  # 3 hours × 6 factors
    obs = store.observations(["WS01"], sources=["hj212"])
    got = {(r["time"].hour, r["item"]): (r["value_nano"], r["flag"]) for r in obs.to_dicts()}
    assert got == {
        (8, "ph"): (7_820_000_000, "N"), (9, "ph"): (7_900_000_000, "N"), (10, "ph"): (8_010_000_000, "N"),
        (8, "nh3n"): (512_000_000, "N"), (9, "nh3n"): (2_650_000_000, "D"), (10, "nh3n"): (530_000_000, "N"),
        # 20.0 μg/L = 0.0200 mg/L = 2·10⁷ nano-units; 21.5 μg/L = 0.0215 mg/L; 19.0 μg/L = 0.019 mg/L
        (8, "as"): (20_000_000, "N"), (9, "as"): (21_500_000, "N"), (10, "as"): (19_000_000, "N"),
        (8, "cod"): (14 * G, "N"), (9, "cod"): (14_600_000_000, "N"), (10, "cod"): (13_200_000_000, "N"),
    }
    assert res.observations == res.observations_written == res.observations_new == 12
    notes = {n.factor: n for n in res.notes}
    assert notes["w00000"].count == 3 and "w00000" in notes["w00000"].reason and "不是地表水评价项目" in notes["w00000"].reason
    assert "w20119" in notes and "采用 w20141" in notes["w20119"].reason  # the other As code, not imported
    assert set(notes) == {"w00000", "w20119"}

    # the monthly class (water.md §8): NH3-N decides it. Valid values 0.512 and 0.530 (the D value
    # 2.650 is excluded, hj212.md §9.3) → mean 0.521 → Ⅲ (0.5 < x ≤ 1.0). Had the D value counted,
    # (0.512 + 2.650 + 0.530)/3 = 1.2307 → Ⅳ. pH 6–9, COD 13.93 ≤ 15, As 0.0205 ≤ 0.05 are all Ⅰ.
    ev = evaluate_periods(obs, sections_frame(store.engine), kind="month")
    nh3n = ev.means.filter(pl.col("item") == "nh3n").row(0, named=True)
    assert (nh3n["n_total"], nh3n["n_valid"], json.loads(nh3n["excluded"])) == (3, 2, {"D": 1})
    assert ev.sections.row(0, named=True)["class"] == 3

    again = sync_hj212(url, DAY, DAY + timedelta(days=1))
    assert again.values_read == 18 and again.observations_new == 0
    assert store.count() == 12
    assert store.observations(["WS01"], sources=["hj212"]).equals(obs)

    # unlinked: the next sync takes nothing from this device
    with Session(store.engine) as s:
        service.unlink_station(s, SYSTEM, None, MN)
    assert sync_hj212(url, DAY, DAY + timedelta(days=1)).values_read == 0


def test_validity_bounds_the_values_taken(store, db_url):
    _register_device(db_url)
    _send_through_gateway(db_url, _packets())
    _section(db_url)
    with Session(store.engine) as s:  # linked from 09:00: the 08:00 hour belongs to no section
        service.link_station(s, SYSTEM, None, MN, "WS01", valid_from=DAY + timedelta(hours=9))
    res = sync_hj212(store.engine, date(2026, 11, 2), date(2026, 11, 3))
    assert (res.values_read, res.values_outside_validity) == (18, 6)
    assert sorted({t.hour for t in store.observations(["WS01"])["time"]}) == [9, 10]


def test_daily_data_and_end_labelled_hours(store, db_url):
    """CN 2031 daily values sync with ``cn="2031"`` only; a device labelling its hours by their end
    (hj212.md §11) sends DataTime 09:00 for the hour 08:00–09:00, stored at 08:00."""
    _register_device(db_url, datatime_label="end")
    day = build(qn="20261103000000001", st="21", cn="2031", pw="123456", mn=MN, flag=5,
                cp={"DataTime": "20261102000000", "w21011": {"Avg": "0.087", "Flag": "N"}})
    hour = build(qn="20261102090000001", st="21", cn="2061", pw="123456", mn=MN, flag=5,
                 cp={"DataTime": "20261102090000", "w21011": {"Avg": "0.091", "Flag": "N"}})
    _send_through_gateway(db_url, [day, hour])
    _section(db_url)
    with Session(store.engine) as s:
        service.link_station(s, SYSTEM, None, MN, "WS01")
    # a daily value labelled by its end: DataTime 11-02 00:00 is the day 11-01 (hj212.md §11)
    daily = sync_hj212(store.engine, date(2026, 11, 1), date(2026, 11, 2), cn="2031")
    assert (daily.values_read, daily.observations_new) == (1, 1)
    hourly = sync_hj212(store.engine, date(2026, 11, 2), date(2026, 11, 3))
    assert (hourly.values_read, hourly.observations_new) == (1, 1)
    got = sorted((r["time"], r["value_nano"]) for r in store.observations(["WS01"], sources=["hj212"]).to_dicts())
    assert got == [(datetime(2026, 11, 1), 87_000_000), (datetime(2026, 11, 2, 8), 91_000_000)]
    with pytest.raises(ValueError, match="只支持小时数据 2061 和日数据 2031"):
        sync_hj212(store.engine, date(2026, 11, 2), date(2026, 11, 3), cn="2011")


def test_link_validation_writes_nothing(store):
    _section(store.url)
    with Session(store.engine) as s:
        with pytest.raises(NotFound, match="断面编码「NOPE」未登记"):
            service.link_station(s, SYSTEM, None, MN, "NOPE")
        with pytest.raises(ValidationFailed, match="格式错误"):
            service.link_station(s, SYSTEM, None, "12345", "WS01")
        with pytest.raises(ValidationFailed, match="w01001.*不是砷的编码"):
            service.link_station(s, SYSTEM, None, MN, "WS01", codes={"as": "w01001"})
        with pytest.raises(ValidationFailed, match="单位「kg」无法换算"):
            service.link_station(s, SYSTEM, None, MN, "WS01", units={"w20141": "kg"})
        with pytest.raises(PermissionDenied, match="无权关联自动站设备"):  # a unit user: bureau only
            service.link_station(s, SYSTEM, User(username="u1", role="unit"), MN, "WS01")
        with pytest.raises(ValidationFailed, match="有效期结束 2026-11-01 不晚于开始 2026-11-02"):
            service.link_station(s, SYSTEM, None, MN, "WS01", valid_from=DAY, valid_to=DAY - timedelta(days=1))
        with pytest.raises(NotFound, match="没有关联任何断面"):
            service.unlink_station(s, SYSTEM, None, MN)
        assert s.scalar(select(func.count()).select_from(StationLink)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRecord)
                        .where(AuditRecord.object_type == service.STATION)) == 0
        # a good link is audited once; linking again to another section is one update
        service.link_station(s, SYSTEM, None, MN, "WS01")
        _section(store.url, "WS02")
        after = service.link_station(s, SYSTEM, None, MN, "WS02", codes={"AS": "w20119"})
        assert after["section_code"] == "WS02" and after["codes"] == {"as": "w20119"}
        actions = s.scalars(select(AuditRecord.action).where(AuditRecord.object_type == service.STATION)
                            .order_by(AuditRecord.id)).all()
        assert actions == ["create", "update"]
        same = service.link_station(s, SYSTEM, None, MN, "WS02", codes={"as": "w20119"})  # unchanged: not audited
        service.unlink_station(s, SYSTEM, None, MN)
        service.unlink_station(s, SYSTEM, None, MN)  # already unlinked: not audited again
        actions = s.scalars(select(AuditRecord.action).where(AuditRecord.object_type == service.STATION)
                            .order_by(AuditRecord.id)).all()
        assert same == after and actions == ["create", "update", "update"]
        assert s.scalar(select(StationLink.active)) is False
        assert s.scalar(select(func.count()).select_from(StationLink)) == 1  # one MN → one section


runner = CliRunner()


def test_cli_link_list_sync(monkeypatch, db_url):
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", db_url)
    _register_device(db_url)
    _send_through_gateway(db_url, _packets())
    _section(db_url)
    bad = runner.invoke(app, ["water", "stations", "link", MN, "NOPE"])
    assert bad.exit_code == 1 and "断面编码「NOPE」未登记" in bad.output
    listed = runner.invoke(app, ["water", "stations", "list", "--format", "json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    ok = runner.invoke(app, ["water", "stations", "link", MN, "WS01", "--code", "as=w20141", "--unit", "w20141=μg/L"])
    assert ok.exit_code == 0, ok.output
    assert f"已关联设备 {MN} → 断面 WS01" in ok.output
    shown = runner.invoke(app, ["water", "stations", "list"])
    assert shown.exit_code == 0 and MN in shown.output and "有效" in shown.output
    [row] = json.loads(runner.invoke(app, ["water", "stations", "list", "--format", "json"]).stdout)
    assert (row["mn"], row["section_code"], row["codes"], row["units"], row["active"]) == (
        MN, "WS01", {"as": "w20141"}, {"w20141": "μg/L"}, True)
    out = runner.invoke(app, ["water", "sync-hj212", "--from", "2026-11-02", "--to", "2026-11-02", "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert (doc["values_read"], doc["observations_new"]) == (18, 12)
    assert {n["factor"] for n in doc["notes"]} == {"w00000", "w20119"}
    table = runner.invoke(app, ["water", "sync-hj212", "--from", "2026-11-02", "--to", "2026-11-02"])
    assert table.exit_code == 0 and "读取数值 18 个" in table.output and "新增 0 个" in table.output
    assert "因子 w00000 不是地表水评价项目" in table.output
    wrong_cn = runner.invoke(app, ["water", "sync-hj212", "--from", "2026-11-02", "--to", "2026-11-02", "--cn", "2011"])
    assert wrong_cn.exit_code != 0
    gone = runner.invoke(app, ["water", "stations", "unlink", MN])
    assert gone.exit_code == 0 and "已解除" in gone.output
    assert runner.invoke(app, ["water", "stations", "unlink", "320100000000000000003C99"]).exit_code == 1
