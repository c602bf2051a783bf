"""Deterministic synthetic hourly air-quality series for the Datong demo.

**Everything this module produces is invented** (every row carries ``source="synthetic-demo"``). It
exists so that the demo can show a whole 2025–2026 evaluation, county ranking and trend without real
hourly data, which the project does not hold. It is *shaped* like a northern coal city's record:

* winter heating (mid-October to mid-April in Shanxi) lifts PM2.5, SO2 and CO; a night-time
  boundary-layer peak for primary pollutants;
* several multi-day regional heavy-pollution episodes per heating season;
* spring (March–May) sand-dust days with very high PM10 and a low PM2.5/PM10 ratio;
* summer photochemical O3 with an afternoon peak (~15:00) and night-time titration by NO2;
* NO2 morning and evening rush-hour peaks;
* stations correlated in space (a shared regional "weather" field, correlation decaying with
  distance) and in time (day-to-day AR(1) persistence);
* occasional missing hours, instrument outages, and a few station-days with fewer than 20 valid
  hours (to exercise the daily validity rule, air-evaluation.md §4.1).

Magnitudes are calibrated to Datong's published figures (FACTS.md §3.1): Jan–Apr 2023 PM2.5 33 µg/m³
and good-day ratio 81.7 %, Jan–May 2025 PM2.5 26 µg/m³ and 89.9 %. With the default seed the
record gives an annual PM2.5 of about 24–26 µg/m³, a Jan–Oct composite index of 3.7–3.9 and a
good-day ratio of 84–88 %; primary pollutants fall ~4 % a year, so 2026 improves on 2025.

Time convention: air-evaluation.md §3 — each value is labelled with the **end** of its hour, ``T``, in
Beijing time (naive datetimes); day ``D`` holds the labels ``D 01:00 … D+1 00:00``. Values are rounded
as CNEMC publishes them: integers in µg/m³, CO to 0.1 mg/m³.

The generator is vectorised numpy: all 16 demo stations × two years (280,320 station-hours,
1.7 million values) take about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

SOURCE = "synthetic-demo"
POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm25")
DEFAULT_SEED = 20231117  # the day of Datong's 2023 environmental-protection conference

# Per-division emission character (multipliers on the city-urban level), as data in one place.
# Columns: primary particulate / SO2 / NO2 / CO / O3. Invented but plausible: 云冈区 hosts 18 coal
# generating units (FACTS §6) → more SO2 and PM; 左云 and 阳高 are coal-mining / coal-power counties;
# 灵丘 and 广灵 are the mountainous, cleaner south; counties have less traffic NO2 and so more O3.
_PROFILE = {
    # code: (pm, so2, no2, co, o3)
    "140213": (1.00, 1.00, 1.00, 1.00, 1.00),  # 平城区 (urban core)
    "140214": (1.12, 1.40, 0.95, 1.10, 0.98),  # 云冈区
    "140212": (0.92, 1.05, 0.75, 0.95, 1.02),  # 新荣区
    "140215": (0.98, 1.15, 0.80, 1.00, 1.01),  # 云州区
    "140221": (1.02, 1.25, 0.70, 1.00, 1.02),  # 阳高县
    "140222": (0.95, 1.05, 0.62, 0.95, 1.02),  # 天镇县
    "140223": (0.88, 0.95, 0.60, 0.90, 1.02),  # 广灵县
    "140224": (0.80, 0.85, 0.58, 0.85, 1.03),  # 灵丘县
    "140225": (0.93, 1.05, 0.65, 0.95, 1.02),  # 浑源县
    "140226": (1.06, 1.35, 0.68, 1.05, 1.01),  # 左云县
}
_CONTROL_PROFILE = (0.78, 0.80, 0.60, 0.80, 1.04)  # 对照点 (background site)
_DEFAULT_PROFILE = (1.0, 1.0, 1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Episode:
    """A regional event: ``kind`` "haze" (winter heavy pollution) or "dust" (spring sand-dust)."""

    kind: str
    start: datetime  # interval start of the first affected hour
    hours: int
    peak: float  # haze: multiplier on primary pollutants; dust: added PM10 at the peak [µg/m³]


def _hour_grid(start: date, end: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days, hour-of-day (interval start 0..23) and day-of-year for natural days start..end."""
    n_days = (end - start).days + 1
    if n_days <= 0:
        raise ValueError(f"结束日期 {end} 早于开始日期 {start}")
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1, dtype="datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(int) + 1
    hod = np.arange(24)
    return days, hod, doy


def _gauss(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((h - centre) / width) ** 2)


def _distances_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    # Equirectangular is plenty at city scale (< 150 km).
    kx = 111.32 * np.cos(np.radians(lat.mean()))
    dx = (lon[:, None] - lon[None, :]) * kx
    dy = (lat[:, None] - lat[None, :]) * 110.57
    return np.hypot(dx, dy)


def _correlated_daily_field(rng, n_days: int, chol: np.ndarray, phi: float) -> np.ndarray:
    """(days × stations) AR(1) field with unit variance, innovations correlated across stations."""
    n_st = chol.shape[0]
    eps = rng.standard_normal((n_days, n_st)) @ chol.T
    out = np.empty_like(eps)
    out[0] = eps[0]
    scale = np.sqrt(1.0 - phi * phi)
    for d in range(1, n_days):  # n_days ≤ ~800: a short loop over days, vectorised over stations
        out[d] = phi * out[d - 1] + scale * eps[d]
    return out


def _hourly_noise(rng, shape: tuple[int, int], phi: float, sd: float) -> np.ndarray:
    """(hours × stations) AR(1) noise with stationary standard deviation ``sd``."""
    n_h, n_st = shape
    eps = rng.standard_normal(shape) * sd * np.sqrt(1 - phi * phi)
    out = np.empty(shape)
    out[0] = eps[0] / np.sqrt(1 - phi * phi)
    # A loop over hours, vectorised over stations: 17,520 steps of a (n_st,) update is fast enough.
    for t in range(1, n_h):
        out[t] = phi * out[t - 1] + eps[t]
    return out


def plan_episodes(start: date, end: date, seed: int = DEFAULT_SEED) -> list[Episode]:
    """The regional events of the period, deterministic in ``seed``.

    Every heating season gets 4 haze episodes of 3–6 days (peak ×2.5–×4 on primary pollutants,
    enough for 重度污染 days at the worst stations); every spring gets 4 sand-dust events of
    1–2 days (peak +250…+650 µg/m³ PM10).
    """
    rng = np.random.default_rng([seed, 1])
    events: list[Episode] = []
    for year in range(start.year - 1, end.year + 1):
        # Haze: spread over the heating season Nov (year) – Feb (year+1), one per ~month window.
        windows = [(date(year, 11, 5), 20), (date(year, 12, 1), 25), (date(year + 1, 1, 2), 24), (date(year + 1, 1, 28), 22)]
        for w0, span in windows:
            d0 = w0 + timedelta(days=int(rng.integers(0, span)))
            hours = int(rng.integers(3, 7)) * 24
            peak = float(rng.uniform(2.5, 4.0))
            t0 = datetime(d0.year, d0.month, d0.day, int(rng.integers(0, 24)))
            events.append(Episode("haze", t0, hours, peak))
        # Dust: March–May of `year`.
        for w0 in (date(year, 3, 10), date(year, 4, 1), date(year, 4, 22), date(year, 5, 12)):
            d0 = w0 + timedelta(days=int(rng.integers(0, 18)))
            hours = int(rng.integers(20, 49))
            peak = float(rng.uniform(250.0, 650.0))
            t0 = datetime(d0.year, d0.month, d0.day, int(rng.integers(6, 16)))
            events.append(Episode("dust", t0, hours, peak))
    lo, hi = datetime.combine(start, datetime.min.time()), datetime.combine(end + timedelta(days=1), datetime.min.time())
    return sorted(
        (e for e in events if e.start < hi and e.start + timedelta(hours=e.hours) > lo), key=lambda e: e.start
    )


def _episode_shapes(episodes: list[Episode], t0: datetime, n_h: int) -> tuple[np.ndarray, np.ndarray]:
    """Hourly haze multiplier (≥ 1) and dust PM10 increment (≥ 0), city-wide, on the hour grid."""
    haze = np.ones(n_h)
    dust = np.zeros(n_h)
    for e in episodes:
        i0 = int((e.start - t0).total_seconds() // 3600)
        idx = np.arange(i0, i0 + e.hours)
        ok = (idx >= 0) & (idx < n_h)
        x = (np.arange(e.hours) + 0.5) / e.hours
        if e.kind == "haze":
            # Slow build-up, abrupt clean-out by a cold front: the classic northern-China shape.
            shape = np.where(x < 0.8, np.sin(np.pi * x / 1.6) ** 2, np.cos(np.pi * (x - 0.8) / 0.4) ** 2)
            haze[idx[ok]] = np.maximum(haze[idx[ok]], 1.0 + (e.peak - 1.0) * shape[ok])
        else:
            shape = np.sin(np.pi * x) ** 1.5
            dust[idx[ok]] += e.peak * shape[ok]
    return haze, dust


def generate(
    stations: pl.DataFrame,
    start: date = date(2025, 1, 1),
    end: date = date(2026, 12, 31),
    *,
    seed: int = DEFAULT_SEED,
    missing_hour_rate: float = 0.004,
    outages_per_station_year: float = 8.0,
) -> pl.DataFrame:
    """Synthetic hourly concentrations for ``stations`` over the natural days ``start`` … ``end``.

    Parameters
    ----------
    stations : polars.DataFrame
        Registry frame with at least ``code, county_code, lon, lat, is_control`` (see
        :func:`qingshan.demo.stations.demo_stations`).
    start, end : datetime.date
        First and last natural day (inclusive). Hour labels run from ``start 01:00`` to
        ``end+1 00:00`` (hour-end convention, air-evaluation.md §3).
    seed : int
        The output is a pure function of (stations, start, end, seed, rates): same inputs, same rows.
        Note that the random field is drawn for the requested period, so a shorter period is not a
        prefix of a longer one.
    missing_hour_rate : float
        Probability that a single pollutant's hour is missing on its own [1].
    outages_per_station_year : float
        Mean number of whole-station outages (all pollutants missing, 2–14 h) per station and year;
        those of 5 h or more inside one day leave that day with fewer than 20 valid hours.

    Returns
    -------
    polars.DataFrame
        Wide frame ``station_code, time, so2, no2, co, o3, pm10, pm25, source``; ``time`` is the hour
        end ``T`` (naive Beijing time); concentrations Float64 in µg/m³ (CO mg/m³), integers except CO
        with one decimal; null = missing; ``source`` = ``"synthetic-demo"``. Sorted by station, time.
    """
    days, hod, doy = _hour_grid(start, end)
    n_days, n_st = len(days), stations.height
    n_h = n_days * 24
    rng = np.random.default_rng([seed, 0])

    codes = stations["code"].to_list()
    lon = stations["lon"].to_numpy().astype(float)
    lat = stations["lat"].to_numpy().astype(float)
    control = stations["is_control"].to_numpy().astype(bool)
    prof = np.array(
        [
            _CONTROL_PROFILE if c else _PROFILE.get(str(cc), _DEFAULT_PROFILE)
            for c, cc in zip(control, stations["county_code"].to_list())
        ]
    )  # (n_st, 5)
    p_pm, p_so2, p_no2, p_co, p_o3 = (prof[:, i][None, :] for i in range(5))

    # ---- Season (per hour, broadcast to stations) -------------------------------------------
    doy_h = np.repeat(doy, 24).astype(float)
    h = np.tile(hod, n_days).astype(float)  # interval start hour 0..23
    cold = 0.5 * (1 + np.cos(2 * np.pi * (doy_h - 15) / 365.25))  # 1 mid-January, 0 mid-July
    heating = ((doy_h >= 288) | (doy_h <= 105)).astype(float)  # 15 Oct – 15 Apr
    winter = 0.55 * cold + 0.45 * heating
    sun = 0.5 * (1 + np.cos(2 * np.pi * (doy_h - 172) / 365.25))  # photochemistry peaks late June
    spring = _gauss(doy_h, 105.0, 28.0)  # windy, dusty March–May
    wk = np.asarray((days.astype("datetime64[D]").view("int64") - 4) % 7)  # 0 = Monday
    workday = np.repeat((wk < 5).astype(float), 24)

    # ---- Regional weather field, correlated in space and time --------------------------------
    dist = _distances_km(lon, lat)
    corr = 0.12 * np.eye(n_st) + 0.88 * np.exp(-dist / 220.0)
    chol = np.linalg.cholesky(corr)
    stag = _correlated_daily_field(rng, n_days, chol, phi=0.72)  # stagnation: + = poor dispersion
    sunny = _correlated_daily_field(rng, n_days, chol, phi=0.6)  # hot sunny days for O3
    wind = _correlated_daily_field(rng, n_days, chol, phi=0.5)  # windy days for coarse dust
    stag_h = np.repeat(stag, 24, axis=0)
    sunny_h = np.repeat(sunny, 24, axis=0)
    wind_h = np.repeat(wind, 24, axis=0)

    t0 = datetime.combine(start, datetime.min.time())
    haze, dust = _episode_shapes(plan_episodes(start, end, seed), t0, n_h)
    # Each station feels a regional event a little differently (transport and local sources).
    st_gain = 0.85 + 0.3 * rng.random(n_st)
    haze_s = 1.0 + (haze[:, None] - 1.0) * st_gain[None, :]
    dust_s = dust[:, None] * (0.8 + 0.4 * rng.random(n_st))[None, :]

    col = lambda a: a[:, None]  # noqa: E731 — hour vector → (hours, 1) for broadcasting

    # Control policy works: primary pollutants fall ~4 % a year (so 2026 vs 2025 shows improvement).
    years = (np.repeat(days, 24).astype("datetime64[D]") - np.datetime64("2025-01-01")).astype(float) / 365.25
    trend = col(0.96**years)

    # ---- Primary pollutants ------------------------------------------------------------------
    # Night-time boundary-layer peak, stronger in winter.
    bl = 1.0 + (0.22 + 0.18 * col(winter)) * np.cos(2 * np.pi * (col(h) - 22.0) / 24.0)
    lnoise = lambda sd: _hourly_noise(rng, (n_h, n_st), phi=0.85, sd=sd)  # noqa: E731

    pm25 = (
        trend
        * p_pm * (14.5 + 18.0 * col(winter)) * bl * np.exp(0.42 * stag_h - 0.09) * haze_s * np.exp(lnoise(0.22))
    )
    coarse = (
        p_pm
        * (17.0 + 20.0 * col(spring) + 6.0 * (1 - col(winter)))
        * (1.0 + 0.35 * _gauss(col(h), 13.0, 3.5))
        * np.exp(0.35 * wind_h - 0.06)
        * np.exp(lnoise(0.25))
    )
    pm10 = pm25 * 1.15 + coarse + dust_s
    pm25 = pm25 + 0.10 * dust_s  # dust is mostly coarse

    so2 = (
        trend
        * p_so2
        * (4.0 + 21.0 * col(winter))
        * (1.0 + 0.45 * _gauss(col(h), 10.0, 2.0))  # fumigation of elevated plumes mid-morning
        * np.exp(0.40 * stag_h - 0.08)
        * (1.0 + 0.5 * (haze_s - 1.0))
        * np.exp(lnoise(0.25))
    )
    rush = 1.0 + col(workday * 0.15 + 0.2) * (
        _gauss(col(h), 7.5, 1.3) + 1.3 * _gauss(col(h), 19.0, 2.0)
    ) - 0.25 * _gauss(col(h), 14.0, 3.0)
    no2 = (
        trend
        * p_no2
        * (17.0 + 17.0 * col(winter))
        * rush
        * bl ** 0.5
        * np.exp(0.30 * stag_h - 0.045)
        * (1.0 + 0.35 * (haze_s - 1.0))
        * np.exp(lnoise(0.18))
    )
    co = (
        trend
        * p_co
        * (0.32 + 0.85 * col(winter))
        * bl
        * np.exp(0.35 * stag_h - 0.06)
        * (1.0 + 0.55 * (haze_s - 1.0))
        * np.exp(lnoise(0.18))
    )

    # ---- Ozone: background + afternoon photochemistry − night-time titration ----------------
    background = 28.0 + 30.0 * col(sun)
    photo_amp = (8.0 + 112.0 * col(sun)) * np.exp(0.30 * sunny_h - 0.045) / (1.0 + 0.5 * (haze_s - 1.0))
    photo = photo_amp * _gauss(col(h), 14.5, 3.3)
    night = 1.0 - _gauss(col(h), 14.5, 4.5)
    o3 = p_o3 * (background + photo) - 0.55 * no2 * night
    o3 = o3 * np.exp(lnoise(0.10))

    # ---- Round as published; clip at the instruments' floor -----------------------------------
    values = {
        "so2": np.maximum(np.rint(so2), 2.0),
        "no2": np.maximum(np.rint(no2), 2.0),
        "co": np.maximum(np.round(co, 1), 0.1),
        "o3": np.maximum(np.rint(o3), 2.0),
        "pm10": np.maximum(np.rint(pm10), 2.0),
        "pm25": np.maximum(np.rint(pm25), 1.0),
    }

    # ---- Missing data --------------------------------------------------------------------------
    mrng = np.random.default_rng([seed, 2])
    station_down = np.zeros((n_h, n_st), dtype=bool)
    n_out = mrng.poisson(outages_per_station_year * n_days / 365.0, n_st)
    for s in range(n_st):
        for _ in range(n_out[s]):
            i = int(mrng.integers(0, n_h))
            station_down[i : i + int(mrng.integers(2, 15)), s] = True
    for k in POLLUTANTS:
        mask = station_down | (mrng.random((n_h, n_st)) < missing_hour_rate)
        values[k] = np.where(mask, np.nan, values[k])

    # ---- Assemble (station-major, hour-end labels) --------------------------------------------
    times = pl.datetime_range(
        t0 + timedelta(hours=1), t0 + timedelta(hours=n_h), interval="1h", eager=True, time_unit="us"
    )
    frame = pl.DataFrame(
        {
            "station_code": np.repeat(np.array(codes, dtype=object), n_h),
            "time": pl.concat([times] * n_st) if n_st else times.clear(),
            **{k: values[k].T.reshape(-1) for k in POLLUTANTS},
        }
    )
    return frame.with_columns(
        [pl.col(k).fill_nan(None) for k in POLLUTANTS] + [pl.lit(SOURCE).alias("source")]
    )


def to_long(frame: pl.DataFrame) -> pl.DataFrame:
    """Wide synthetic frame → long ``station_code, time, pollutant, value, source`` (missing rows dropped)."""
    return (
        frame.unpivot(index=["station_code", "time", "source"], on=list(POLLUTANTS), variable_name="pollutant")
        .drop_nulls("value")
        .select("station_code", "time", "pollutant", "value", "source")
    )
