"""Plausibility bounds: a concentration above an analyser's range is flagged, an absurd one refused.

Two bounds per pollutant, in the store's unit (µg/m³; CO mg/m³), configurable per source:

``flag_above``
    The measuring range the national technical requirements ask of the analysers. A value above
    it is stored with flag ``T`` (HJ 212—2017 Table 8, 超测上限 "above the measuring range";
    hj212.md §9.3), which keeps it out of every mean and statistic unless ``T`` is added to
    ``valid_flags`` — then "the reported value enters as it stands" (§9.3). A value that already
    carries another non-``N`` flag keeps it (it is excluded anyway). Each one is reported.
``reject_above``
    Ten times that range (PROJECT DEFAULT, UNCONFIRMED): no certified analyser reports it, so it
    is a unit or typing error (PM₂.₅ = 1,000,000,000 µg/m³, CO = 1,234.567 mg/m³). The value is
    refused and reported; the rest of its row is kept (wide layouts).

Default ranges (:data:`DEFAULT_BOUNDS`):

* PM₁₀, PM₂.₅: 0–1000 µg/m³ — HJ 653—2013 §5 / HJ 653—2021 (环境空气颗粒物（PM10 和 PM2.5）连续
  自动监测系统技术要求及检测方法), measuring range of the continuous monitors. Read from secondary
  sources (vendors' summaries of HJ 653, which also mention ranges extendable to 10,000 µg/m³);
  the official text was not at hand: UNCONFIRMED.
* SO₂, NO₂, O₃: 0–500 nmol/mol; CO: 0–50 µmol/mol — HJ 654—2013 (环境空气气态污染物（SO2、NO2、O3、
  CO）连续自动监测系统技术要求及检测方法), Table 1 measuring ranges (read from secondary sources,
  which agree with the sensor-method requirements that copy them: UNCONFIRMED against the text).
  Converted to mass concentration at 273.15 K and 101.325 kPa (molar volume 22.414 L/mol), the
  larger of the two reference states GB 3095 has used, so that no in-range value is flagged
  under either, and rounded up: SO₂ 500 × 64.06 / 22.414 = 1429.0 → 1430 µg/m³; NO₂
  500 × 46.01 / 22.414 = 1026.4 → 1027 µg/m³; O₃ 500 × 48.00 / 22.414 = 1070.8 → 1071 µg/m³;
  CO 50 × 28.01 / 22.414 = 62.48 → 62.5 mg/m³.

The largest hourly values in the two real CNEMC fixtures (../shared/data/cnemc, 3,397 station-
hours) are PM₁₀ 520, PM₂.₅ 318, SO₂ 275, NO₂ 110, O₃ 290 µg/m³ and CO 5.9 mg/m³: far inside.
Dust storms do push PM₁₀ above 1000 µg/m³; such hours are stored with ``T`` and a bureau that
wants them counted adds ``T`` to ``valid_flags`` (or raises the bound for its source).

Overrides: a TOML file (``--bounds FILE``, or :func:`qingshan.config.plausibility_file`)::

    [default.pm10]              # every source
    flag_above = "1000"         # decimal text (exact) or a number; "none" switches a bound off
    reject_above = "10000"

    [source.cnemc.pm10]         # one source (cnemc, table, hj212 …) on top of the default
    flag_above = "10000"

Reusable by other domains: a bound is keyed by parameter code and compares exact micro-units
(:data:`qingshan.exact.SCALE`), so a water or soil importer builds its own table of
:class:`Bound` and calls :func:`classify`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

import polars as pl

from qingshan import exact

#: The HJ 212 flag a value above the measuring range gets (Table 8: 超测上限).
ABOVE_RANGE_FLAG = "T"
#: Flags that mean "normal" and are replaced by ``T`` above the range (no flag at all, or N).
_NORMAL = (None, "N")


@dataclass(frozen=True)
class Bound:
    """Plausibility bounds of one parameter, in the store's unit."""

    flag_above: Fraction | None
    reject_above: Fraction | None
    unit: str
    basis: str  #: where the numbers come from (shown in messages)

    def micro(self, which: str) -> int | None:
        v = getattr(self, which)
        if v is None:
            return None
        m = v * exact.SCALE
        return m.numerator // m.denominator  # a bound with more than 6 decimals: floor is stricter


#: Molar masses (g/mol) used to convert HJ 654's volume ranges; see the module doc.
MOLAR_MASS = MappingProxyType({"so2": Fraction("64.06"), "no2": Fraction("46.01"), "o3": Fraction("48.00"),
                               "co": Fraction("28.01")})
MOLAR_VOLUME_273K = Fraction("22.414")  # L/mol at 273.15 K, 101.325 kPa

_PM = "HJ 653 颗粒物监测仪量程 0–1000 μg/m³"
_GAS = "HJ 654 气态污染物分析仪量程（按 273.15 K 换算）"

DEFAULT_BOUNDS: Mapping[str, Bound] = MappingProxyType({
    "pm10": Bound(Fraction(1000), Fraction(10000), "μg/m³", _PM),
    "pm25": Bound(Fraction(1000), Fraction(10000), "μg/m³", _PM),
    "so2": Bound(Fraction(1430), Fraction(14300), "μg/m³", _GAS + " 0–500 nmol/mol"),
    "no2": Bound(Fraction(1027), Fraction(10270), "μg/m³", _GAS + " 0–500 nmol/mol"),
    "o3": Bound(Fraction(1071), Fraction(10710), "μg/m³", _GAS + " 0–500 nmol/mol"),
    "co": Bound(Fraction("62.5"), Fraction(625), "mg/m³", _GAS + " 0–50 μmol/mol"),
})


class BoundsError(ValueError):
    """An overrides file that cannot be used (message in Chinese)."""


@dataclass(frozen=True)
class PlausibilityBounds:
    """The bounds in force: defaults for every source, and per-source replacements."""

    default: Mapping[str, Bound] = field(default_factory=lambda: DEFAULT_BOUNDS)
    per_source: Mapping[str, Mapping[str, Bound]] = field(default_factory=dict)

    def for_source(self, source: str) -> Mapping[str, Bound]:
        return {**self.default, **self.per_source.get(source, {})}

    @classmethod
    def load(cls, path: str | Path | None = None) -> PlausibilityBounds:
        """The defaults with the overrides of ``path`` (a TOML file, see the module doc)."""
        if path is None:
            return cls()
        path = Path(path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise BoundsError(f"无法读取合理性上限配置文件 {path.name}：{_reason(exc)}") from exc
        default = dict(DEFAULT_BOUNDS)
        for pol, spec in (doc.get("default") or {}).items():
            default[pol] = _override(default.get(pol), pol, spec, path)
        per_source: dict[str, dict[str, Bound]] = {}
        for src, table in (doc.get("source") or {}).items():
            per_source[src] = {pol: _override(default.get(pol), pol, spec, path) for pol, spec in table.items()}
        unknown = set(doc) - {"default", "source"}
        if unknown:
            raise BoundsError(f"{path.name}：未知的配置节 {', '.join(sorted(unknown))}（只能是 default 或 source）")
        return cls(MappingProxyType(default), MappingProxyType(per_source))


def _reason(exc: Exception) -> str:
    if isinstance(exc, tomllib.TOMLDecodeError):
        return "TOML 格式错误"
    if isinstance(exc, UnicodeDecodeError):
        return "不是 UTF-8 文本"
    return "文件不存在或无法打开"


def _number(v, pol: str, key: str, path: Path) -> Fraction | None:
    if isinstance(v, str) and v.strip().lower() == "none":
        return None
    try:
        f = Fraction(str(v).strip()) if not isinstance(v, bool) else None
    except (ValueError, ZeroDivisionError):
        f = None
    if f is None or f < 0:
        raise BoundsError(f"{path.name}：{pol}.{key} 应为非负数或 \"none\"，而不是 {v!r}")
    return f


def _override(base: Bound | None, pol: str, spec: Mapping, path: Path) -> Bound:
    if not isinstance(spec, Mapping):
        raise BoundsError(f"{path.name}：{pol} 应为一个表（flag_above、reject_above）")
    bad = set(spec) - {"flag_above", "reject_above"}
    if bad:
        raise BoundsError(f"{path.name}：{pol} 中未知的键 {', '.join(sorted(bad))}")
    b = base or Bound(None, None, "", "")
    kw = {k: _number(spec[k], pol, k, path) for k in ("flag_above", "reject_above") if k in spec}
    return replace(b, basis=f"配置文件 {path.name}", **kw)


def classify(frame: pl.DataFrame, bounds: Mapping[str, Bound], *, pollutant: str = "pollutant",
             value: str = "value") -> pl.DataFrame:
    """Per row: ``verdict`` (``"reject"``, ``"flag"`` or null) and ``limit`` (micro-units).

    ``frame`` is long: a parameter code column and an Int64 micro-unit value column. A
    parameter without bounds is never flagged or rejected.
    """
    rej = {p: b.micro("reject_above") for p, b in bounds.items() if b.reject_above is not None}
    flg = {p: b.micro("flag_above") for p, b in bounds.items() if b.flag_above is not None}
    r_lim = pl.col(pollutant).replace_strict(rej, default=None, return_dtype=pl.Int64)
    f_lim = pl.col(pollutant).replace_strict(flg, default=None, return_dtype=pl.Int64)
    v = pl.col(value)
    return frame.select(
        verdict=pl.when(v > r_lim).then(pl.lit("reject")).when(v > f_lim).then(pl.lit("flag")),
        limit=pl.when(v > r_lim).then(r_lim).when(v > f_lim).then(f_lim),
    )
