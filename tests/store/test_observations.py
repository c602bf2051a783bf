"""ObservationStore on SQLite and PostgreSQL: exact round trip, idempotent upsert, flag policy."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.store.observations import ObservationStore, UnknownStationError
from qingshan.store.registry import StationRegistry

T1 = datetime(2022, 1, 2, 9)
T2 = datetime(2022, 1, 2, 10)


@pytest.fixture
def store(db_url):
    s = ObservationStore(db_url)
    reg = StationRegistry(db_url, auto_migrate=False, engine=s.engine)
    reg.register(
        pl.DataFrame({"code": ["1721A", "1723A"], "name": ["果树场(对照点)", "云冈宾馆"], "city_name": ["大同市"] * 2}),
        source="cnemc",
    )
    yield s
    s.close()


def _frac(v):
    return exact.to_fraction(v)


def test_wide_write_round_trips_exactly(store):
    # 1721A at 2022-01-02T09 from the CNEMC fixture: pm2_5 36, co 1.1, o3_24h 12
    frame = pl.DataFrame(
        {"station_code": ["1721A"], "time": [T1], "pm25": ["36"], "co": ["1.1"], "o3": ["12"], "so2": [None]}
    )
    assert store.write(frame, source="cnemc") == 3
    out = store.hourly_frame()
    assert out.columns == ["station_code", "time", "so2", "no2", "co", "o3", "pm10", "pm25"]
    row = out.row(0, named=True)
    assert row["time"] == T1
    assert _frac(row["co"]) == Fraction(11, 10)
    assert row["co"]["den"] == 10**6
    assert _frac(row["pm25"]) == 36
    assert row["so2"] is None and row["no2"] is None
    assert out.schema["pm25"] == exact.RATIONAL


def test_rewrite_is_idempotent_and_updates(store):
    long = pl.DataFrame(
        {"station_code": ["1721A", "1721A"], "time": [T1, T2], "pollutant": ["no2", "no2"], "value": ["41", "45"]}
    )
    store.write(long, source="cnemc")
    store.write(long, source="cnemc")
    assert store.count() == 2
    store.write(long.with_columns(value=pl.lit("40.5")), source="cnemc")
    assert store.count() == 2
    vals = store.hourly_frame(["1721A"], pollutants=["no2"])["no2"].to_list()
    assert [_frac(v) for v in vals] == [Fraction(81, 2), Fraction(81, 2)]


def test_time_window_is_inclusive(store):
    long = pl.DataFrame(
        {"station_code": ["1721A"] * 2, "time": [T1, T2], "pollutant": ["so2"] * 2, "value": [11, 12]}
    )
    store.write(long, source="cnemc")
    assert store.hourly_frame(start=T2).height == 1
    assert store.hourly_frame(end=T1).height == 1
    assert store.hourly_frame(start=T1, end=T2).height == 2


def test_flag_policy_hj212_9_3(store):
    codes = ["N", "T", "D", None, "S"]
    long = pl.DataFrame(
        {
            "station_code": ["1721A"] * 5,
            "time": [datetime(2022, 1, 2, h) for h in range(1, 6)],
            "pollutant": ["so2"] * 5,
            "value": [10, 2000, 7, 8, 9],
            "flag": codes,
        }
    )
    store.write(long, source="hj212")
    default = [v is not None for v in store.hourly_frame()["so2"].to_list()]
    assert default == [True, False, False, False, False]  # only N (hj212.md §9.3 default)
    with_t = [v is not None for v in store.hourly_frame(valid_flags=("N", "T"))["so2"].to_list()]
    assert with_t == [True, True, False, False, False]
    missing_ok = [v is not None for v in store.hourly_frame(missing_flag_valid=True)["so2"].to_list()]
    assert missing_ok == [True, False, False, True, False]
    with pytest.raises(ValueError):
        store.hourly_frame(valid_flags=("N", "D"))
    with pytest.raises(ValueError):
        store.latest(valid_flags=("N", "D"))
    assert store.latest(valid_flags=("N", "T"))["so2"][0] is None  # the latest hour is flagged S
    # excluded values are kept in the store
    assert store.long_frame()["flag"].to_list() == codes


def test_cnemc_values_without_flag_are_valid(store):
    store.write(pl.DataFrame({"station_code": ["1723A"], "time": [T1], "pollutant": ["pm10"], "value": [62]}), source="cnemc")
    assert _frac(store.hourly_frame()["pm10"][0]) == 62


def test_source_priority(store):
    base = {"station_code": ["1721A"], "time": [T1], "pollutant": ["pm10"]}
    store.write(pl.DataFrame(base | {"value": [61]}), source="cnemc")
    store.write(pl.DataFrame(base | {"value": [60], "flag": ["N"]}), source="hj212")
    assert store.count() == 2
    assert _frac(store.hourly_frame()["pm10"][0]) == 61
    assert _frac(store.hourly_frame(source_priority=("hj212",))["pm10"][0]) == 60
    assert _frac(store.hourly_frame(sources=["hj212"])["pm10"][0]) == 60


def test_latest_per_station(store):
    long = pl.DataFrame(
        {
            "station_code": ["1721A", "1721A", "1723A"],
            "time": [T1, T2, T1],
            "pollutant": ["so2", "no2", "so2"],
            "value": [11, 41, 19],
        }
    )
    store.write(long, source="cnemc")
    last = store.latest()
    assert last.select("station_code", "time").rows() == [("1721A", T2), ("1723A", T1)]
    assert last["so2"][0] is None and _frac(last["no2"][0]) == 41


def test_unknown_station_and_inexact_values_are_refused(store):
    with pytest.raises(UnknownStationError):
        store.write(pl.DataFrame({"station_code": ["9999A"], "time": [T1], "pollutant": ["so2"], "value": [1]}))
    third = pl.DataFrame({"num": [1], "den": [3]}).select(value=pl.struct("num", "den").cast(exact.RATIONAL))
    with pytest.raises(ValueError, match="1e-6"):
        store.write(pl.DataFrame({"station_code": ["1721A"], "time": [T1], "pollutant": ["so2"]}).hstack(third))
    with pytest.raises(ValueError, match="unknown pollutant"):
        store.hourly_frame(pollutants=["pm2.5"])
    with pytest.raises(ValueError, match="未知污染物"):
        store.write(pl.DataFrame({"station_code": ["1721A"], "time": [T1], "pollutant": ["nox"], "value": [1]}))
    assert store.count() == 0


def test_negative_is_not_stored(store):
    store.write(pl.DataFrame({"station_code": ["1721A"], "time": [T1], "pollutant": ["so2"], "value": [-3]}))
    assert store.count() == 0


def test_counts(store):
    long = pl.DataFrame(
        {"station_code": ["1721A"] * 2, "time": [T1, T2], "pollutant": ["so2"] * 2, "value": [11, 12]}
    )
    store.write(long, source="cnemc")
    c = store.counts()
    assert c.rows() == [("1721A", "cnemc", "so2", 2, T1, T2)]
    assert store.station_hours() == 2


def test_fast_sqlite_path_meets_sqlalchemy_keys(store):
    """Rows written through SQLAlchemy's DateTime binding and through the bulk path share keys."""
    from qingshan.store.observations import OBS, upsert

    sid = store.station_ids()["1721A"]
    with store.engine.begin() as conn:
        upsert(
            conn,
            OBS,
            [{"station_id": sid, "time": T1, "pollutant": "so2", "value": 5_000_000, "flag": None,
              "source": "cnemc", "batch_id": None}],
            key=("station_id", "time", "pollutant", "source"),
            update=("value", "flag", "batch_id"),
        )
    store.write(pl.DataFrame({"station_code": ["1721A"], "time": [T1], "pollutant": ["so2"], "value": [11]}), source="cnemc")
    assert store.count() == 1
    assert _frac(store.hourly_frame(start=T1, end=T1)["so2"][0]) == 11


def test_batch_of_a_value_is_the_one_that_brought_it(store):
    long = pl.DataFrame({"station_code": ["1721A"], "time": [T1], "pollutant": ["no2"], "value": [41]})
    with store.engine.begin() as conn:
        b1 = store.new_batch(conn, kind="api")
        b2 = store.new_batch(conn, kind="api")
        b3 = store.new_batch(conn, kind="api")
    store.write(long, source="cnemc", batch_id=b1)
    store.write(long, source="cnemc", batch_id=b2)  # same value: provenance unchanged
    assert store.long_frame()["batch_id"].to_list() == [b1]
    store.write(long.with_columns(value=pl.lit(42)), source="cnemc", batch_id=b3)
    assert store.long_frame().select("value", "batch_id").rows() == [(42_000_000, b3)]
    store.write(long.with_columns(value=pl.lit(42), flag=pl.lit("N")), source="cnemc", batch_id=b2)
    assert store.long_frame().select("flag", "batch_id").rows() == [("N", b2)]
