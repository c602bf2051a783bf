"""Settings and versioned rule tables of the surface-water evaluation.

Every setting water.md names is a field of :class:`WaterSettings` with the spec's default
(water.md §11 lists them). The tables the spec marks UNCONFIRMED — the §8 decimals, the §3
status colours, the §4 priority set, the §5 proportion thresholds and the §7 TLI correlations —
are versioned data (``data/water_rules.json``: ``version``, ``status``, ``source`` per table),
read once with :mod:`importlib.resources`. A bureau-edited copy (e.g. from the database) is
passed as ``WaterSettings(rules=WaterRules.from_mapping(...))``; every result frame carries the
version and status of the rules that produced it (:meth:`WaterSettings.provenance`).

References
----------
.. [1] ../shared/standards/water.md §3, §4, §5, §7, §8, §9, §11.
.. [2] ../shared/standards/hj212.md §9.3 (``statistics_valid_flags``,
       ``statistics_missing_flag_valid``: the single data-flag policy water.md §8 defers to).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Literal

from qingshan.standards import gb3838

PhMeanMethod = Literal["hydrogen_ion", "arithmetic"]
NonDetect = Literal["half_dl", "dl", "zero"]
CwqiInput = Literal["evaluation_values", "exact_means"]
CwqiMissing = Literal["exclude_section", "carry_forward"]
CwqiAggregation = Literal["per_point", "per_lake"]
IndicatorGate = Literal["polluted_only", "none"]
HeavyRule = Literal["g_lt_75", "g_lt_60"]
PeriodKind = Literal["week", "xun", "month", "quarter", "year", "ytd"]


@dataclass(frozen=True)
class RuleTable:
    """One versioned table: its data, ``version``, ``status`` (confirmed/UNCONFIRMED), ``source``."""

    name: str
    version: str
    status: str
    source: str
    data: object

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"


@dataclass(frozen=True)
class WaterRules:
    """The versioned tables (default: the packaged ``water_rules.json``)."""

    version: str
    tables: Mapping[str, RuleTable]

    @classmethod
    def from_mapping(cls, doc: Mapping) -> WaterRules:
        tables = {
            name: RuleTable(name, str(t["version"]), str(t["status"]), str(t["source"]), t["data"])
            for name, t in doc["tables"].items()
        }
        missing = {"decimals", "status", "priority_set", "proportion", "tli"} - tables.keys()
        if missing:
            raise ValueError(f"水质评价规则表缺少：{'、'.join(sorted(missing))}")
        return cls(version=f"{doc.get('name', 'water-rules')} {doc['version']}", tables=tables)

    def __getitem__(self, name: str) -> RuleTable:
        return self.tables[name]

    @property
    def decimals(self) -> Mapping[str, int]:
        return {k: int(v) for k, v in self["decimals"].data.items()}  # type: ignore[union-attr]

    @property
    def status_table(self) -> Mapping[int, Mapping[str, str]]:
        return {int(k): v for k, v in self["status"].data.items()}  # type: ignore[union-attr]

    @property
    def priority_set(self) -> frozenset[str]:
        return frozenset(self["priority_set"].data)  # type: ignore[arg-type]

    @property
    def proportion(self) -> Mapping[str, Fraction]:
        return {k: Fraction(v) for k, v in self["proportion"].data.items()}  # type: ignore[union-attr]


@lru_cache(maxsize=1)
def default_rules() -> WaterRules:
    """The packaged rule tables (``qingshan/standards/data/water_rules.json``)."""
    text = resources.files("qingshan.standards").joinpath("data", "water_rules.json").read_text("utf-8")
    return WaterRules.from_mapping(json.loads(text))


def _default_rules() -> WaterRules:
    return default_rules()


@dataclass(frozen=True)
class WaterSettings:
    """Every setting of water.md, with the spec's default (water.md §11).

    Attributes
    ----------
    ph_mean_method : {"hydrogen_ion", "arithmetic"}, default "hydrogen_ion"
        §8 pH mean: the [H⁺] mean (10^(−pH) averaged, back-converted; Decimal at 50 digits)
        or the plain exact mean. UNCONFIRMED.
    non_detect : {"half_dl", "dl", "zero"}, default "half_dl"
        §8 below detection limit: half the detection limit in means and statistics. UNCONFIRMED.
    keep_one_significant : bool, default True
        §8: if rounding turns a non-zero mean into 0, keep one significant figure instead.
    statistics_valid_flags : frozenset, default {"N"}
        hj212.md §9.3, the single data-flag policy (only ``T`` may be added here; ``S`` needs an
        audit mark the water store does not keep yet).
    statistics_missing_flag_valid : bool, default False
        hj212.md §9.3: a value of a flagged source (HJ 212) without a flag enters only if True.
    min_results : mapping, default week/旬/month 1, quarter 2, year 8
        §3 data requirements per period kind (year and 1—N月: months with a valid result).
        UNCONFIRMED.
    require_all_items : bool, default True
        §2: an "official" class needs all 21 items; otherwise ``partial=True``. UNCONFIRMED.
    priority_set : frozenset or None
        §4 ``priority_set`` (default from the rules table: CN⁻, Pb, Cr(VI), Hg, Cd, As).
    river_main_indicator_gate : {"polluted_only", "none"}, default "polluted_only"
        §4 status gate of a river's main indicators. UNCONFIRMED.
    proportion_min_sections : int, default 5
        §5: rivers with at least this many sections use the class-proportion method.
    heavy_pollution_rule : {"g_lt_75", "g_lt_60"}, default "g_lt_75"
        §5 disputed last row of the proportion table. UNCONFIRMED.
    cwqi_input : {"evaluation_values", "exact_means"}, default "evaluation_values"
        §8 step 7. UNCONFIRMED.
    cwqi_missing_items : {"exclude_section", "carry_forward"}, default "exclude_section"
        §9 sections with fewer than 21 items. UNCONFIRMED.
    cwqi_carry_forward_months : int, default 12
        §9 oldest evaluation value ``carry_forward`` may use.
    cwqi_aggregation : {"per_point", "per_lake"}, default "per_point"
        §9 lake/reservoir unit of the city index. UNCONFIRMED.
    multiple_decimals, cwqi_decimals, delta_cwqi_decimals, share_decimals, tli_decimals
        Publication precision: 2 (§4, UNCONFIRMED), 4 and 2 (§9, UNCONFIRMED), 1 (§5), 2 (§7).
    trend_thresholds : (10, 20)
        §5 river trend in percentage points of |ΔG − ΔD|. UNCONFIRMED.
    rules : WaterRules
        The versioned tables (decimals, status colours, priority set, proportions, TLI).
    """

    ph_mean_method: PhMeanMethod = "hydrogen_ion"
    non_detect: NonDetect = "half_dl"
    keep_one_significant: bool = True
    statistics_valid_flags: frozenset[str] = frozenset({"N"})
    statistics_missing_flag_valid: bool = False
    min_results: Mapping[str, int] = field(
        default_factory=lambda: {"week": 1, "xun": 1, "month": 1, "quarter": 2, "year": 8, "ytd": 1}
    )
    require_all_items: bool = True
    priority_set: frozenset[str] | None = None
    river_main_indicator_gate: IndicatorGate = "polluted_only"
    proportion_min_sections: int = 5
    heavy_pollution_rule: HeavyRule = "g_lt_75"
    cwqi_input: CwqiInput = "evaluation_values"
    cwqi_missing_items: CwqiMissing = "exclude_section"
    cwqi_carry_forward_months: int = 12
    cwqi_aggregation: CwqiAggregation = "per_point"
    multiple_decimals: int = 2
    cwqi_decimals: int = 4
    delta_cwqi_decimals: int = 2
    share_decimals: int = 1
    tli_decimals: int = 2
    trend_thresholds: tuple[int, int] = (10, 20)
    rules: WaterRules = field(default_factory=_default_rules)

    def __post_init__(self) -> None:
        def check(name: str, value: object, allowed: tuple) -> None:
            if value not in allowed:
                raise ValueError(f"设置 {name} 只能是 {'、'.join(map(str, allowed))}，而不是「{value}」")

        check("ph_mean_method", self.ph_mean_method, ("hydrogen_ion", "arithmetic"))
        check("non_detect", self.non_detect, ("half_dl", "dl", "zero"))
        check("river_main_indicator_gate", self.river_main_indicator_gate, ("polluted_only", "none"))
        check("heavy_pollution_rule", self.heavy_pollution_rule, ("g_lt_75", "g_lt_60"))
        check("cwqi_input", self.cwqi_input, ("evaluation_values", "exact_means"))
        check("cwqi_missing_items", self.cwqi_missing_items, ("exclude_section", "carry_forward"))
        check("cwqi_aggregation", self.cwqi_aggregation, ("per_point", "per_lake"))
        flags = set(self.statistics_valid_flags)
        if "N" not in flags or not flags <= {"N", "T", "S"}:
            raise ValueError("statistics_valid_flags 只能是 {N} 加上 T（hj212.md §9.3）")
        if "S" in flags:
            raise ValueError("S 需人工审核标记方可参与统计（hj212.md §9.3），水质库尚无审核标记")
        bad = set(self.priority_set or ()) - set(gb3838.EVALUATED_ITEMS)
        if bad:
            raise ValueError(f"priority_set 含有非评价项目：{'、'.join(sorted(bad))}")
        if self.proportion_min_sections < 1 or self.cwqi_carry_forward_months < 0:
            raise ValueError("proportion_min_sections 至少为 1，cwqi_carry_forward_months 不能为负")

    @property
    def priority(self) -> frozenset[str]:
        return self.priority_set if self.priority_set is not None else self.rules.priority_set

    @property
    def decimals(self) -> Mapping[str, int]:
        return self.rules.decimals

    def provenance(self, *tables: str) -> tuple[str, str]:
        """(version, status) of the rules behind a result: ``GB3838-2002/Table1`` plus the named
        rule tables; status is ``UNCONFIRMED`` when any of them is."""
        parts = [gb3838.TABLE_VERSION]
        status = gb3838.TABLE_STATUS
        for name in tables:
            t = self.rules[name]
            parts.append(f"{name}={t.version}")
            if not t.confirmed:
                status = "UNCONFIRMED"
        return f"{self.rules.version}: " + "; ".join(parts), status


DEFAULT_SETTINGS = WaterSettings()
