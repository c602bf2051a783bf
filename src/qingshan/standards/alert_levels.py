"""Heavy-pollution alert levels from forecast AQI blocks (重污染天气预警分级).

Implements air-emergency.md §1 (the computational specification of 环大气〔2024〕6号 and the
legacy 环办大气函〔2019〕648号 thresholds):

* :func:`level_of_blocks` — the level algorithm of §1.3 on one run of blocks, with the branch
  that decided it (e.g. ``orange: run150>=3``);
* :func:`evaluate_city` / :func:`evaluate_forecast` — one forecast run of one or many cities:
  alignments (§1.1), runs and their routing by primary pollutant and cause (§1.6), episodes
  chained within ``lift_hold_h`` and grouped across alignments (§1.4), the level in force
  (``downgrade_mode``), issue, raise, lower and lift times (§1.4), advisory runs (§1.6), the
  pre-alert (§1.2c) and the decision record (§1.7);
* :func:`advance` — what a later forecast run does to an alert in force (§1.4 "Later forecast
  runs": continue, raise, lower under ``recompute``, extend, lift);
* :func:`observed_trigger` — the observed trigger of §1.4 (Liaocheng 2019, UNCONFIRMED);
* :func:`effective_level` / :func:`effective_timeline` — regional and provincial notices (§1.7):
  ``max(local, notified)``;
* :func:`block_aqi_from_steps` — block AQIs from sub-daily concentration forecasts (§1.1: the
  daily AQI of the block's 24-h means, HJ 633, at every alignment; E1b).

Time: block starts are naive Beijing time (§1.1; a value carrying an offset is converted by
the caller). A block is [start, start + 24 h). Comparisons are strict ('>') unless the
threshold table says otherwise (the legacy '≥ 500').

The thresholds are versioned data (:mod:`qingshan.standards.emergency_tables`, kind
``alert_thresholds``): ``table`` defaults to the packaged edition chosen by ``alert_rules``,
and every result carries ``table.ref``.

References
----------
.. [1] 生态环境部 环大气〔2024〕6号《关于进一步优化重污染天气应对机制的指导意见》, 2024-01-23.
.. [2] 环办大气函〔2019〕648号《关于加强重污染天气应对夯实应急减排措施的指导意见》.
.. [3] ../shared/standards/air-emergency.md §0, §1 (clause numbers below refer to it), §5 E1a, E1b.
.. [4] ../shared/standards/air-aqi.md §9, §12 (daily AQI of a block).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum
from fractions import Fraction
from typing import Any, Literal

import polars as pl

from qingshan import exact
from qingshan.standards import hj633
from qingshan.standards.editions import edition_for_day
from qingshan.standards.emergency_tables import TableError, TableVersion, packaged_version

DAY = timedelta(hours=24)


class Level(IntEnum):
    """Alert levels, ordered. ``PRE_ALERT`` and ``BLUE`` appear only when enabled (§1.2)."""

    NONE = 0
    PRE_ALERT = 1
    BLUE = 2
    YELLOW = 3
    ORANGE = 4
    RED = 5

    @property
    def code(self) -> str:
        return _CODE[self]

    @property
    def zh(self) -> str:
        return _ZH[self]

    @classmethod
    def parse(cls, text: str) -> Level:
        t = str(text).strip()
        for lv in cls:
            if t in (lv.code, lv.zh, lv.zh.removesuffix("预警"), lv.name):
                return lv
        raise ValueError(f"未知的预警级别“{text}”，应为 无/黄色/橙色/红色（none/yellow/orange/red）")


_CODE = {Level.NONE: "none", Level.PRE_ALERT: "pre_alert", Level.BLUE: "blue", Level.YELLOW: "yellow",
         Level.ORANGE: "orange", Level.RED: "red"}
_ZH = {Level.NONE: "无", Level.PRE_ALERT: "临时管控", Level.BLUE: "蓝色", Level.YELLOW: "黄色",
       Level.ORANGE: "橙色", Level.RED: "红色"}
#: Response grades of §1.2a (响应级别).
RESPONSE = {Level.YELLOW: "Ⅲ级", Level.ORANGE: "Ⅱ级", Level.RED: "Ⅰ级"}

#: §1.6: primary pollutants that route a run to the full alert (PM2.5 confirmed; the others a
#: PROJECT DEFAULT).
FULL_ALERT_POLLUTANTS = frozenset({"PM2.5", "PM10", "SO2", "NO2", "CO"})
CAUSES = ("anthropogenic", "dust", "wildfire", "transport")
CAUSE_ZH = {"anthropogenic": "人为排放", "dust": "沙尘", "wildfire": "山火", "transport": "外来传输"}

#: air-aqi.md §7 labels and symbols → symbol (§1.1 "matched on the symbol").
_POLLUTANT_SYMBOLS = {
    "PM2.5": "PM2.5", "PM25": "PM2.5", "细颗粒物(PM2.5)": "PM2.5", "颗粒物(PM2.5)": "PM2.5", "细颗粒物": "PM2.5",
    "PM10": "PM10", "颗粒物(PM10)": "PM10", "可吸入颗粒物": "PM10",
    "O3": "O3", "O3_1H": "O3", "O3_8H": "O3", "臭氧": "O3", "臭氧1小时": "O3", "臭氧8小时": "O3",
    "SO2": "SO2", "二氧化硫": "SO2", "NO2": "NO2", "二氧化氮": "NO2", "CO": "CO", "一氧化碳": "CO",
}


# =============================================================================================
# settings and tables
# =============================================================================================


@dataclass(frozen=True)
class AlertSettings:
    """The named settings of air-emergency.md §6 that concern alerts (defaults = the spec's).

    alert_rules : {"2024", "2019"} or None
        Threshold edition (§0, §1.2). None: chosen by the forecast run's date — "2024" for runs on
        or after ``alert_rules_effective``.
    alert_rules_effective : date
        The day the city's plan adopted the 2024 thresholds (§0). **UNCONFIRMED** for Datong;
        default the guidance's own date, 2024-01-23.
    key_region, apply_thresholds_outside_key_region : bool
        §0: Datong is not taken as a key-region city (default False, UNCONFIRMED); the 2024
        thresholds apply either way (default True). With both False no alert is computed.
    block_alignment : {"any_step", "natural_day"}
        §1.1: every alignment present (level = highest), or 00:00 blocks only.
    aqi_range_value : {"upper", "lower"}
        §1.1: a range forecast "a–b" enters as b (PROJECT DEFAULT) or a.
    yellow_min_blocks_200 : int
        §1.2a: blocks > 200 that make yellow (1, UNCONFIRMED reading).
    enable_blue, enable_pre_alert, legacy_orange_requires_300 : bool
        §1.2b, §1.2c (all default False).
    issue_lead_h, lift_hold_h : int
        §1.4: issue 24 h before the first block; runs < 36 h apart form one episode, and the
        lift needs 36 h without a new run (PROJECT DEFAULT).
    observed_trigger : bool, observed_no_improve_h : int
        §1.4 observed trigger (True, 12 h; local rule, UNCONFIRMED nationally).
    downgrade_mode : {"hold_max", "recompute"}
        §1.4 level in force: the episode level until the lift, or each run's level.
    pm10_default_cause : str
        §1.6: cause of a block whose only PM primary is PM10 ("dust", UNCONFIRMED).
    unknown_primary_routes_full : bool
        A block without primary-pollutant information routes like PM2.5 (True; PROJECT DEFAULT —
        forecasts of heavy pollution in a heating city are PM2.5 unless stated, §1.6 needs the
        pollutant to route a run).
    """

    alert_rules: Literal["2024", "2019"] | None = None
    alert_rules_effective: date = date(2024, 1, 23)
    key_region: bool = False
    apply_thresholds_outside_key_region: bool = True
    block_alignment: Literal["any_step", "natural_day"] = "any_step"
    aqi_range_value: Literal["upper", "lower"] = "upper"
    yellow_min_blocks_200: int = 1
    enable_blue: bool = False
    enable_pre_alert: bool = False
    legacy_orange_requires_300: bool = False
    issue_lead_h: int = 24
    lift_hold_h: int = 36
    observed_trigger: bool = True
    observed_no_improve_h: int = 12
    downgrade_mode: Literal["hold_max", "recompute"] = "hold_max"
    pm10_default_cause: str = "dust"
    unknown_primary_routes_full: bool = True

    def __post_init__(self):
        if self.alert_rules not in (None, "2024", "2019"):
            raise ValueError(f"alert_rules 应为 2024 或 2019，而非“{self.alert_rules}”")
        if self.block_alignment not in ("any_step", "natural_day"):
            raise ValueError("block_alignment 应为 any_step 或 natural_day")
        if self.aqi_range_value not in ("upper", "lower"):
            raise ValueError("aqi_range_value 应为 upper 或 lower")
        if self.downgrade_mode not in ("hold_max", "recompute"):
            raise ValueError("downgrade_mode 应为 hold_max 或 recompute")
        if self.pm10_default_cause not in CAUSES:
            raise ValueError(f"pm10_default_cause 应为 {'、'.join(CAUSES)} 之一")
        if self.yellow_min_blocks_200 < 1 or self.issue_lead_h < 0 or self.lift_hold_h <= 0:
            raise ValueError("yellow_min_blocks_200 ≥ 1，issue_lead_h ≥ 0，lift_hold_h > 0")

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Branch:
    """One condition of the threshold table (§1.2)."""

    level: Level
    op: str
    above: int
    min_blocks: int
    label: str
    inner_op: str | None = None
    inner_above: int | None = None
    inner_min_blocks: int | None = None
    enabled_by: str | None = None
    inner_when: str | None = None
    min_blocks_setting: str | None = None


    @property
    def zh(self) -> str:
        """The condition in words, e.g. 连续3个时段AQI>150."""
        op = ">" if self.op == ">" else "≥"
        text = f"连续{self.min_blocks}个时段AQI{op}{self.above}" if self.min_blocks > 1 else f"1个时段AQI{op}{self.above}"
        if self.inner_above is not None:
            iop = ">" if self.inner_op == ">" else "≥"
            text += f"，其中{'连续' + str(self.inner_min_blocks) + '个' if self.inner_min_blocks > 1 else '至少1个'}时段AQI{iop}{self.inner_above}"
            if self.inner_when:
                text += f"（{self.inner_when} 时）"
        return text


@dataclass(frozen=True)
class Thresholds:
    """A parsed ``alert_thresholds`` table version."""

    table: TableVersion
    run_above: int
    branches: tuple[Branch, ...]


_SETTING_FLAGS = ("enable_blue", "enable_pre_alert", "legacy_orange_requires_300")
_SETTING_INTS = ("yellow_min_blocks_200",)


def thresholds(table: TableVersion) -> Thresholds:
    """Validate and parse an ``alert_thresholds`` table (packaged or edited by the bureau)."""
    if table.kind != "alert_thresholds":
        raise TableError(f"需要预警分级阈值表，而非“{table.kind}”")
    d = table.data
    try:
        run_above = int(d["run_above"])
        out = []
        for i, b in enumerate(d["branches"], start=1):
            where = f"预警分级阈值 {table.version} 第 {i} 条"
            op = b.get("op", ">")
            if op not in (">", ">="):
                raise TableError(f"{where}：比较方式“{op}”应为 > 或 >=")
            inner = b.get("inner_above")
            if b.get("enabled_by") not in (None, *_SETTING_FLAGS) or b.get("inner_when") not in (None, *_SETTING_FLAGS):
                raise TableError(f"{where}：未知的设置名")
            if b.get("min_blocks_setting") not in (None, *_SETTING_INTS):
                raise TableError(f"{where}：未知的设置名“{b.get('min_blocks_setting')}”")
            br = Branch(
                level=Level.parse(b["level"]), op=op, above=int(b["above"]), min_blocks=int(b["min_blocks"]),
                label=str(b["label"]), inner_op=b.get("inner_op", ">") if inner is not None else None,
                inner_above=int(inner) if inner is not None else None,
                inner_min_blocks=int(b.get("inner_min_blocks", 1)) if inner is not None else None,
                enabled_by=b.get("enabled_by"), inner_when=b.get("inner_when"),
                min_blocks_setting=b.get("min_blocks_setting"),
            )
            if br.min_blocks < 1 or br.level == Level.NONE:
                raise TableError(f"{where}：连续时段数应 ≥ 1，级别不能为“无”")
            if br.level != Level.PRE_ALERT and (br.above < run_above or (br.op == ">=" and br.above <= run_above)):
                raise TableError(f"{where}：阈值 {br.above} 低于过程阈值 {run_above}（§1.3：每个条件都在 >{run_above} 的连续时段内）")
            out.append(br)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(f"预警分级阈值 {table.version} 格式错误：{exc}") from None
    return Thresholds(table, run_above, tuple(out))


def rules_for_run(run_time: datetime, settings: AlertSettings = AlertSettings()) -> str:
    """§0: the threshold edition of a forecast run (``alert_rules`` or by the run's date)."""
    if settings.alert_rules is not None:
        return settings.alert_rules
    return "2024" if run_time.date() >= settings.alert_rules_effective else "2019"


def default_thresholds(run_time: datetime, settings: AlertSettings = AlertSettings()) -> Thresholds:
    return thresholds(packaged_version("alert_thresholds", rules_for_run(run_time, settings)))


# =============================================================================================
# per-value input rules (§1.1)
# =============================================================================================


def parse_aqi(text: Any, aqi_range_value: str = "upper") -> tuple[int | None, str | None]:
    """§1.1: a forecast AQI cell → (AQI or None for a missing block, problem or None).

    An integer 0–500 is taken; a range "a–b" (also "a-b", "a~b", "a至b") enters as b
    (``aqi_range_value="upper"``, PROJECT DEFAULT) or a; a blank is a missing block; other text
    is a missing block *and* a problem to report.
    """
    if text is None:
        return None, None
    if isinstance(text, bool):
        return None, f"AQI“{text}”不是数值"
    if isinstance(text, int):
        v = text
    elif isinstance(text, float):
        if text != text:  # NaN: an empty spreadsheet cell
            return None, None
        if text != int(text):
            return None, f"AQI“{text}”应为整数"
        v = int(text)
    else:
        s = str(text).strip()
        if not s:
            return None, None
        for sep in ("–", "—", "~", "～", "至", "-"):
            if sep in s.lstrip("-"):
                a, _, b = s.partition(sep)
                lo, p1 = parse_aqi(a)
                hi, p2 = parse_aqi(b)
                if p1 or p2 or lo is None or hi is None or lo > hi:
                    return None, f"AQI 区间“{s}”无法识别"
                return (hi if aqi_range_value == "upper" else lo), None
        if not s.isdigit():
            return None, f"AQI“{s}”不是整数"
        v = int(s)
    if not 0 <= v <= 500:
        return None, f"AQI {v} 超出 0–500"
    return v, None


def parse_primary(text: Any) -> tuple[tuple[str, ...] | None, str | None]:
    """§1.1: primary pollutant(s), air-aqi.md §7 labels or symbols, ties comma-separated.

    Returns (symbols or None when not given, problem or None).
    """
    if text is None or (isinstance(text, float) and text != text):
        return None, None
    s = str(text).strip()
    if not s or s in ("—", "-", "/"):
        return None, None
    out = []
    for part in s.replace("，", ",").replace("、", ",").replace(";", ",").split(","):
        p = part.strip()
        if not p:
            continue
        sym = _POLLUTANT_SYMBOLS.get(p) or _POLLUTANT_SYMBOLS.get(p.upper().replace("₂", "2").replace("₃", "3"))
        if sym is None:
            return None, f"首要污染物“{p}”无法识别（应为 PM2.5、PM10、O3、SO2、NO2、CO 或 HJ 633 名称）"
        if sym not in out:
            out.append(sym)
    return tuple(out), None


def parse_cause(text: Any) -> tuple[str | None, str | None]:
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        return None, None
    s = str(text).strip()
    for code, zh in CAUSE_ZH.items():
        if s in (code, zh):
            return code, None
    return None, f"成因“{s}”应为 {'、'.join(CAUSES)}（或 {'、'.join(CAUSE_ZH.values())}）之一"


# =============================================================================================
# the level algorithm (§1.3)
# =============================================================================================


def _cmp(op: str, value: int, threshold: int) -> bool:
    return value > threshold if op == ">" else value >= threshold


def _runs_where(values: Sequence[int | None], op: str, threshold: int) -> list[tuple[int, int]]:
    """Maximal index runs [i, j) where value op threshold (None never qualifies)."""
    out, i, n = [], 0, len(values)
    while i < n:
        if values[i] is not None and _cmp(op, values[i], threshold):
            j = i
            while j < n and values[j] is not None and _cmp(op, values[j], threshold):
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _branch_met(values: Sequence[int | None], br: Branch, settings: AlertSettings) -> bool:
    need = getattr(settings, br.min_blocks_setting) if br.min_blocks_setting else br.min_blocks
    inner = br.inner_above is not None and (br.inner_when is None or getattr(settings, br.inner_when))
    for i, j in _runs_where(values, br.op, br.above):
        if j - i < need:
            continue
        if not inner:
            return True
        if any(b - a >= br.inner_min_blocks for a, b in _runs_where(values[i:j], br.inner_op, br.inner_above)):
            return True
    return False


def _enabled(br: Branch, settings: AlertSettings) -> bool:
    return br.enabled_by is None or bool(getattr(settings, br.enabled_by))


def level_of_blocks(values: Sequence[int | None], th: Thresholds, settings: AlertSettings = AlertSettings()
                    ) -> tuple[Level, str | None]:
    """§1.3 ``level_of_blocks``: the highest level whose condition holds on consecutive blocks.

    ``values`` are the block AQIs of one run of one alignment in time order (None = missing,
    above no threshold). Returns the level and the branch that decided it, e.g.
    ``(Level.ORANGE, "run150>=3")``; pre-alert branches are not tested here (§1.2c, see
    :func:`evaluate_city`).
    """
    best, label = Level.NONE, None
    for br in th.branches:
        if br.level == Level.PRE_ALERT or not _enabled(br, settings) or br.level <= best:
            continue
        if _branch_met(values, br, settings):
            best, label = br.level, br.label
    return best, label


def branch_zh(label: str | None, th: Thresholds, level: Level | None = None) -> str | None:
    """The Chinese wording of a branch label of ``th`` (for decision records and documents)."""
    if label is None:
        return None
    for br in th.branches:
        if br.label == label and (level is None or br.level == level):
            return f"{br.level.zh}：{br.zh}"
    return label


def branches_met(values: Sequence[int | None], th: Thresholds, settings: AlertSettings = AlertSettings()) -> list[str]:
    """Every branch that holds (for the decision record), as ``level: label``."""
    return [f"{br.level.code}: {br.label}" for br in th.branches
            if br.level != Level.PRE_ALERT and _enabled(br, settings) and _branch_met(values, br, settings)]


# =============================================================================================
# forecast run → decisions
# =============================================================================================


@dataclass(frozen=True)
class Block:
    """One 24-h forecast block of a city (§1.1). ``aqi`` None = missing block."""

    start: datetime
    aqi: int | None
    primary: tuple[str, ...] | None = None
    cause: str | None = None

    @property
    def end(self) -> datetime:
        return self.start + DAY


@dataclass(frozen=True)
class Run:
    """A maximal run of blocks with AQI > ``run_above`` in one alignment (§1.4)."""

    alignment: str
    blocks: tuple[Block, ...]
    level: Level
    branch: str | None
    full_alert: bool
    pollutants: tuple[str, ...]
    causes: tuple[str, ...]

    @property
    def start(self) -> datetime:
        return self.blocks[0].start

    @property
    def end(self) -> datetime:
        return self.blocks[-1].end


@dataclass(frozen=True)
class Segment:
    """An interval of the level in force (§1.4) and the action that begins it."""

    start: datetime
    end: datetime
    level: Level
    action: str  # issue | raise | lower
    decide_by: datetime  # when the action must be taken (issue/raise: start − issue_lead_h)


@dataclass(frozen=True)
class Episode:
    """A heavy-pollution process (§1.4): full-alert runs chained within ``lift_hold_h``."""

    alignment: str
    runs: tuple[Run, ...]
    level: Level
    branch: str | None
    issue_by: datetime
    issue_at: datetime
    late_issue: bool
    lift_at: datetime | None
    lift_note: str
    segments: tuple[Segment, ...]
    group: tuple[tuple[str, Level, datetime, datetime], ...] = ()

    @property
    def start(self) -> datetime:
        return self.runs[0].start

    @property
    def end(self) -> datetime:
        return self.runs[-1].end

    def level_at(self, t: datetime) -> Level:
        for s in self.segments:
            if s.start <= t < s.end:
                return s.level
        return Level.NONE


@dataclass(frozen=True)
class CityDecision:
    """The decision for one city from one forecast run (§1.1 outputs, §1.7 record)."""

    city: str
    run_time: datetime
    table: dict[str, str]
    level: Level
    branch: str | None
    alignment: str | None
    episodes: tuple[Episode, ...]
    advisories: tuple[Run, ...]
    runs: tuple[Run, ...]
    blocks: Mapping[str, tuple[Block, ...]]
    missing: tuple[datetime, ...]
    ignored_rows: int
    pre_alert: bool
    incomplete: bool
    no_data: bool
    settings: Mapping[str, Any]
    note: str = ""
    branch_text: str | None = None

    @property
    def episode(self) -> Episode | None:
        """The first episode group's chosen episode (the alert this run justifies)."""
        return self.episodes[0] if self.episodes else None

    @property
    def deciding_episode(self) -> Episode | None:
        """The episode that gives the city ``level`` (§1.1 output per city): the worst of the
        run's episode groups, on a tie the one that starts first (§1.4 "Alignments", E1b). A
        one-row-per-city summary must describe this one, not :attr:`episode` (the first)."""
        return _deciding(self.episodes)

    @property
    def level_code(self) -> str:
        return Level.PRE_ALERT.code if self.pre_alert and self.level == Level.NONE else self.level.code

    def record(self) -> dict[str, Any]:
        """The decision record of §1.7 (JSON-ready; times ISO 8601 with +08:00)."""
        ep = self.episode
        al = ep.alignment if ep else self.alignment
        blocks = self.blocks.get(al, ()) if al else ()
        return {
            "city": self.city, "run_time": iso(self.run_time), "thresholds": dict(self.table),
            "settings": dict(self.settings), "source": "local",
            "level": self.level_code, "branch": f"{self.level.code}: {self.branch}" if self.branch else None,
            "branch_zh": self.branch_text,
            "alignment": al,
            "blocks": [{"start": iso(b.start), "aqi": b.aqi, "primary_pollutant": list(b.primary or ()),
                        "cause": b.cause, "edition": edition_for_day(b.start.date())} for b in blocks],
            "episode": episode_dict(ep) if ep else None,
            "episodes": [episode_dict(e) for e in self.episodes],
            "advisories": [run_dict(r) for r in self.advisories],
            "missing_blocks": [iso(t) for t in self.missing], "incomplete": self.incomplete,
            "no_data": self.no_data, "ignored_rows": self.ignored_rows, "note": self.note,
        }


def iso(t: datetime | None) -> str | None:
    """ISO 8601 with the Beijing offset (§1.1 outputs)."""
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def run_dict(r: Run) -> dict[str, Any]:
    return {"alignment": r.alignment, "start": iso(r.start), "end": iso(r.end), "level": r.level.code,
            "branch": r.branch, "full_alert": r.full_alert, "pollutants": list(r.pollutants),
            "causes": list(r.causes), "aqi": [b.aqi for b in r.blocks]}


def episode_dict(e: Episode) -> dict[str, Any]:
    return {
        "alignment": e.alignment, "level": e.level.code, "branch": e.branch, "start": iso(e.start),
        "end": iso(e.end), "issue_by": iso(e.issue_by), "issue_at": iso(e.issue_at), "late_issue": e.late_issue,
        "lift_at": iso(e.lift_at), "lift_note": e.lift_note,
        "runs": [run_dict(r) for r in e.runs],
        "segments": [{"start": iso(s.start), "end": iso(s.end), "level": s.level.code, "action": s.action,
                      "decide_by": iso(s.decide_by)} for s in e.segments],
        "group": [{"alignment": a, "level": lv.code, "start": iso(s), "end": iso(t)} for a, lv, s, t in e.group],
    }


def _alignment_of(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _block_cause(b: Block, settings: AlertSettings) -> str:
    if b.cause:
        return b.cause
    if b.primary and "PM10" in b.primary and "PM2.5" not in b.primary:
        return settings.pm10_default_cause  # §1.6: only PM primary is PM10
    return "anthropogenic"


def _full_alert(blocks: Sequence[Block], settings: AlertSettings) -> bool:
    """§1.6: some block is anthropogenic and lists a full-alert pollutant as primary."""
    for b in blocks:
        if _block_cause(b, settings) != "anthropogenic":
            continue
        if b.primary is None:
            if settings.unknown_primary_routes_full:
                return True
        elif FULL_ALERT_POLLUTANTS.intersection(b.primary):
            return True
    return False


def _grid(blocks: Sequence[Block]) -> tuple[list[Block], list[datetime]]:
    """Blocks of one alignment on their 24-h grid, gaps filled with missing blocks."""
    by_start = {b.start: b for b in blocks}
    t, last = min(by_start), max(by_start)
    out, missing = [], []
    while t <= last:
        b = by_start.get(t)
        if b is None:
            b = Block(t, None)
        if b.aqi is None:
            missing.append(t)
        out.append(b)
        t += DAY
    return out, missing


def _segments(ep_runs: Sequence[Run], level: Level, end: datetime, settings: AlertSettings) -> tuple[Segment, ...]:
    lead = timedelta(hours=settings.issue_lead_h)
    if settings.downgrade_mode == "hold_max":
        s = ep_runs[0].start
        return (Segment(s, end, level, "issue", s - lead),)
    segs: list[Segment] = []
    for i, r in enumerate(ep_runs):
        stop = ep_runs[i + 1].start if i + 1 < len(ep_runs) else end
        if segs and segs[-1].level == r.level:
            segs[-1] = replace(segs[-1], end=stop)
            continue
        if not segs:
            action = "issue"
        else:
            action = "raise" if r.level > segs[-1].level else "lower"
        decide = r.start - lead if action in ("issue", "raise") else r.start
        segs.append(Segment(r.start, stop, r.level, action, decide))
    return tuple(segs)


def _episodes_of(alignment: str, runs: Sequence[Run], grid: Sequence[Block], run_time: datetime,
                 floor: Level, settings: AlertSettings) -> list[Episode]:
    hold = timedelta(hours=settings.lift_hold_h)
    chains: list[list[Run]] = []
    for r in runs:
        if not r.full_alert or r.level < floor:
            continue  # §1.4: runs below yellow neither start nor extend an episode
        if chains and r.start - chains[-1][-1].end < hold:
            chains[-1].append(r)
        else:
            chains.append([r])
    out = []
    by_start = {b.start: b for b in grid}
    for ch in chains:
        level = max(r.level for r in ch)
        deciding = next(r for r in ch if r.level == level)
        start, end = ch[0].start, ch[-1].end
        issue_by = start - timedelta(hours=settings.issue_lead_h)
        late = run_time > issue_by
        # §1.4 lift: whole blocks must cover [end, end + lift_hold_h); no full-alert run of level
        # ≥ the alert floor may start in them (none can: it would have been chained above).
        t, covered, note = end, True, ""
        while t < end + hold:
            b = by_start.get(t)
            if b is None or b.aqi is None:
                covered = False
                note = ("预报时段不足以判断解除（需覆盖结束后 "
                        f"{settings.lift_hold_h} 小时的完整时段），待下一次预报" if b is None
                        else f"{t:%m-%d %H:%M} 起时段缺测，待下一次预报判断解除")
                break
            t += DAY
        lift_at = end if covered else None
        if covered:
            note = f"结束后 {settings.lift_hold_h} 小时内无达到预警条件的过程，{end:%m-%d %H:%M} 解除"
        segs = _segments(ch, level, lift_at or end, settings)
        out.append(Episode(alignment, tuple(ch), level, deciding.branch, issue_by,
                           max(issue_by, run_time), late, lift_at, note, segs))
    return out


def _group(episodes: list[Episode], hold: timedelta) -> list[Episode]:
    """§1.4 "Alignments": overlapping or < lift_hold_h apart → one group; highest level wins,
    a tie goes to the episode that starts first (E1b)."""
    eps = sorted(episodes, key=lambda e: (e.start, e.alignment))
    groups: list[list[Episode]] = []
    g_end = None
    for e in eps:
        if groups and e.start - g_end < hold:
            groups[-1].append(e)
            g_end = max(g_end, e.end)
        else:
            groups.append([e])
            g_end = e.end
    out = []
    for g in groups:
        chosen = min(g, key=lambda e: (-int(e.level), e.start, e.alignment))
        members = tuple((e.alignment, e.level, e.start, e.end) for e in g)
        out.append(replace(chosen, group=members))
    return out


def _deciding(groups: Sequence[Episode]) -> Episode | None:
    """§1.4 "Alignments" applied across groups: highest level, on a tie the earliest start (E1b)."""
    return min(groups, key=lambda e: (-int(e.level), e.start, e.alignment)) if groups else None


def evaluate_city(city: str, blocks: Iterable[Block], run_time: datetime, *,
                  settings: AlertSettings = AlertSettings(), table: Thresholds | None = None) -> CityDecision:
    """One city's decision from one forecast run (§1.1–§1.7).

    Parameters
    ----------
    city : str
        City code or name, carried as is.
    blocks : iterable of :class:`Block`
        The run's blocks for the city; one per ``start`` (a repeated start is the caller's
        error: §1.1 rejects the city's forecast). ``aqi`` None is a missing block.
    run_time : datetime
        Issue time of the forecast run (naive Beijing time): selects ``alert_rules`` (§0) and
        times the issue (§1.4).
    settings : AlertSettings
    table : Thresholds, optional
        Default: the packaged edition for ``run_time`` (:func:`default_thresholds`).
    """
    th = table or default_thresholds(run_time, settings)
    blocks = list(blocks)
    starts = [b.start for b in blocks]
    if len(set(starts)) != len(starts):
        raise ValueError(f"城市“{city}”的预报有重复的时段起点（§1.1：该城市的预报不予采用）")
    ignored = 0
    if settings.block_alignment == "natural_day":
        kept = [b for b in blocks if b.start.hour == 0 and b.start.minute == 0]
        ignored = len(blocks) - len(kept)
        blocks = kept
    by_al: dict[str, list[Block]] = {}
    for b in blocks:
        by_al.setdefault(_alignment_of(b.start), []).append(b)
    floor = Level.BLUE if settings.enable_blue else Level.YELLOW
    applies = settings.key_region or settings.apply_thresholds_outside_key_region
    grids: dict[str, tuple[Block, ...]] = {}
    all_runs: list[Run] = []
    episodes: list[Episode] = []
    missing: list[datetime] = []
    pre = False
    for al in sorted(by_al):
        grid, miss = _grid(by_al[al])
        grids[al] = tuple(grid)
        missing.extend(miss)
        values = [b.aqi for b in grid]
        runs = []
        for i, j in _runs_where(values, ">", th.run_above):
            rb = grid[i:j]
            lv, br = level_of_blocks([b.aqi for b in rb], th, settings)
            pols = tuple(sorted({p for b in rb for p in (b.primary or ())}))
            causes = tuple(sorted({_block_cause(b, settings) for b in rb}))
            runs.append(Run(al, tuple(rb), lv, br, _full_alert(rb, settings), pols, causes))
        all_runs.extend(runs)
        if applies:
            episodes.extend(_episodes_of(al, runs, grid, run_time, floor, settings))
        if settings.enable_pre_alert and applies:
            pre = pre or any(_branch_met(values, br, settings) for br in th.branches
                             if br.level == Level.PRE_ALERT)
    groups = _group(episodes, timedelta(hours=settings.lift_hold_h))
    full = [r for r in all_runs if r.full_alert]
    level, branch, alignment = Level.NONE, None, None
    if applies:
        for r in full:
            if r.level > level:
                level, branch, alignment = r.level, r.branch, r.alignment
    top = _deciding(groups)
    if top is not None:  # the deciding alignment is the one of the top group (ties: first start, E1b)
        if top.level == level:
            branch, alignment = top.branch, top.alignment
    no_data = not any(b.aqi is not None for g in grids.values() for b in g)
    note = "" if applies else "非重点区域且未设置参照执行阈值（§0），不计算预警"
    return CityDecision(
        city=city, run_time=run_time, table=th.table.ref, level=level if level >= floor else Level.NONE,
        branch=branch if level >= floor else None, alignment=alignment, episodes=tuple(groups),
        advisories=tuple(r for r in all_runs if not r.full_alert and r.level > Level.NONE),
        runs=tuple(all_runs), blocks=grids, missing=tuple(sorted(missing)), ignored_rows=ignored,
        pre_alert=pre and not groups, incomplete=bool(missing), no_data=no_data,
        settings=settings.as_dict(), note=note,
        branch_text=branch_zh(branch, th, level) if level >= floor else None,
    )


def evaluate_forecast(forecast: pl.DataFrame, run_time: datetime, *, settings: AlertSettings = AlertSettings(),
                      table: Thresholds | None = None) -> list[CityDecision]:
    """Every city of a parsed forecast frame (one run).

    ``forecast`` columns: ``city`` (str), ``block_start`` (Datetime, naive Beijing), ``aqi``
    (Int, null = missing block), optional ``primary`` (List[str] of symbols, null = not given)
    and ``cause`` (str). Cities with a repeated ``block_start`` must have been removed by the
    caller (§1.1; :mod:`qingshan.emergency.forecasts` reports them per row).
    """
    cols = forecast.columns
    out = []
    for (city,), g in forecast.sort("city", "block_start").group_by(["city"], maintain_order=True):
        blocks = [
            Block(r["block_start"], r["aqi"],
                  tuple(r["primary"]) if "primary" in cols and r["primary"] is not None else None,
                  r["cause"] if "cause" in cols else None)
            for r in g.iter_rows(named=True)
        ]
        out.append(evaluate_city(str(city), blocks, run_time, settings=settings, table=table))
    return out


# =============================================================================================
# later forecast runs, observed trigger, regional notices (§1.4, §1.7)
# =============================================================================================


@dataclass(frozen=True)
class AlertState:
    """An alert in force for a city (what :func:`advance` needs to know)."""

    level: Level
    start: datetime
    end: datetime  # end of the alert's last block (of its current episode)
    last_above_end: datetime  # end of the alert's last block > run_above (§1.4 lift by a later run)
    lift_at: datetime | None = None  # planned lift, None = not yet decided
    source: str = "local"


@dataclass(frozen=True)
class Action:
    """One alert action (§1.4): issue, raise, lower, extend or lift."""

    action: str
    level: Level
    at: datetime  # when it is announced (issue/raise: by decide_by, or at the run time when later)
    effective: datetime  # when the level applies (issue/raise: the first block concerned; lift: the lift)
    decide_by: datetime | None
    run_time: datetime
    reason: str


def advance(state: AlertState | None, decision: CityDecision, *, settings: AlertSettings = AlertSettings()
            ) -> tuple[AlertState | None, list[Action]]:
    """§1.4 "Later forecast runs": what ``decision`` (a newer run) does to the alert in force.

    * No alert in force: the first episode that has not ended by ``run_time`` is issued.
    * An episode of the new run that overlaps the alert or starts < ``lift_hold_h`` after its end
      continues it: the alert's end and planned lift follow the new episode; a higher level is a
      raise, timed like an issue from the first block of the run that sets it (or at
      ``run_time`` when later); under ``hold_max`` the level never falls before the lift, under
      ``recompute`` the level in force at ``run_time`` applies from then (a fall is a lowering).
    * No continuing episode: the alert is lifted at the later of ``run_time`` and the end of the
      alert's last block > 150.

    Returns the new state (None once lifted) and the actions taken. An alert started by a
    regional notice is not lifted here (§1.4 last item): the caller does not pass such a state.
    """
    hold = timedelta(hours=settings.lift_hold_h)
    rt = decision.run_time
    eps = [e for e in decision.episodes if (e.lift_at or e.end) > rt]
    if state is None:
        if not eps:
            return None, []
        e = eps[0]
        new = AlertState(e.level_at(max(rt, e.start)) if settings.downgrade_mode == "recompute" else e.level,
                         e.start, e.end, e.end, e.lift_at)
        actions = [Action("issue", new.level, max(e.issue_by, rt), max(e.start, rt), e.issue_by, rt,
                          f"{e.level.zh}预警：{e.branch}（{e.alignment} 起算）")]
        if e.lift_at is not None:
            actions.append(Action("lift", Level.NONE, e.lift_at, e.lift_at, None, rt, e.lift_note))
        return new, actions
    cont = [e for e in eps if e.start < state.end + hold and e.end > state.start - hold]
    if not cont:
        at = max(rt, state.last_above_end)
        return None, [Action("lift", Level.NONE, at, at, None, rt, "新一轮预报无延续的重污染过程，解除预警")]
    e = cont[0]
    actions: list[Action] = []
    if settings.downgrade_mode == "hold_max":
        new_level = max(state.level, e.level)
    else:
        new_level = e.level_at(max(rt, e.start)) or e.level
    if new_level > state.level:
        setter = next((r for r in e.runs if r.level >= new_level), e.runs[0])
        lead = setter.start - timedelta(hours=settings.issue_lead_h)
        actions.append(Action("raise", new_level, max(lead, rt), max(setter.start, rt), lead, rt,
                              f"升级为{new_level.zh}：{setter.branch}"))
    elif new_level < state.level:
        actions.append(Action("lower", new_level, rt, rt, None, rt, f"降级为{new_level.zh}"))
    if e.end != state.end:
        actions.append(Action("extend", new_level, rt, rt, None, rt, f"过程结束时间调整为 {e.end:%m-%d %H:%M}"))
    if e.lift_at is not None and e.lift_at != state.lift_at:
        actions.append(Action("lift", Level.NONE, e.lift_at, e.lift_at, None, rt, e.lift_note))
    last_above = max(state.last_above_end, e.end)
    return AlertState(new_level, min(state.start, e.start), e.end, last_above, e.lift_at, state.source), actions


def observed_trigger(observed_aqi: int | None, observed_end: datetime, forecast_blocks: Iterable[Block],
                     forecast_level: Level = Level.NONE, *, settings: AlertSettings = AlertSettings()) -> Level | None:
    """§1.4 observed trigger (Liaocheng 2019; UNCONFIRMED nationally).

    ``observed_aqi`` is the observed city AQI of the 24 h ending at ``observed_end`` (the latest
    complete hour). If it is > 200 and no forecast block starting within ``observed_no_improve_h``
    after ``observed_end`` has AQI ≤ 200, the alert is issued at once at the higher of yellow
    and ``forecast_level``; returns that level, else None.
    """
    if not settings.observed_trigger or observed_aqi is None or observed_aqi <= 200:
        return None
    horizon = observed_end + timedelta(hours=settings.observed_no_improve_h)
    for b in forecast_blocks:
        if observed_end <= b.start < horizon and b.aqi is not None and b.aqi <= 200:
            return None
    return max(Level.YELLOW, forecast_level)


@dataclass(frozen=True)
class Notice:
    """A regional or provincial notice entered by hand (§1.7)."""

    source: str  # regional | provincial
    level: Level
    start: datetime
    end: datetime | None  # None: until its lift notice


def effective_level(local: Level, notices: Iterable[Notice], t: datetime) -> tuple[Level, str]:
    """§1.7: ``max(local_level(t), notified_level(t))`` and which source decides (ties: local)."""
    best, source = local, "local"
    for n in notices:
        if n.start <= t and (n.end is None or t < n.end) and n.level > best:
            best, source = n.level, n.source
    return best, source


def effective_timeline(local: Sequence[tuple[datetime, datetime, Level]], notices: Sequence[Notice],
                       start: datetime, end: datetime) -> list[tuple[datetime, datetime, Level, str]]:
    """The level in force over [start, end) as intervals (local segments merged with notices)."""
    cuts = {start, end}
    for a, b, _ in local:
        cuts.update(x for x in (a, b) if start < x < end)
    for n in notices:
        cuts.update(x for x in (n.start, n.end) if x is not None and start < x < end)
    edges = sorted(cuts)
    out: list[tuple[datetime, datetime, Level, str]] = []
    for a, b in zip(edges, edges[1:]):
        lv = next((lvl for s, e, lvl in local if s <= a < e), Level.NONE)
        lv, src = effective_level(lv, notices, a)
        if out and out[-1][2] == lv and out[-1][3] == src:
            out[-1] = (out[-1][0], b, lv, src)
        else:
            out.append((a, b, lv, src))
    return out


# =============================================================================================
# block AQIs from sub-daily concentration forecasts (§1.1, E1b)
# =============================================================================================


def block_aqi_from_steps(steps: pl.DataFrame, step_hours: int, *, edition: str | None = None,
                         pollutants: Sequence[str] = ("pm25", "pm10", "so2", "no2", "co", "o3_8h")) -> pl.DataFrame:
    """24-h blocks at every alignment from forecast steps of ``step_hours`` hours (§1.1).

    ``steps``: ``city``, ``step_start`` (Datetime, naive Beijing) and concentration columns
    (µg/m³, CO mg/m³; text, integers, floats or exact rationals), each row the mean over
    [step_start, step_start + step_hours). A block [s, s + 24 h) is formed at every step start
    s for which all 24/step_hours steps are present with a value; its mean is exact (rational)
    and its AQI is the HJ 633 daily AQI of those means (air-aqi.md §9/§12: rounded half-even,
    IAQI exact, rounded up). ``o3_8h`` is used as given when present (a forecast's MDA8).

    Returns ``city, block_start, <pollutants as rationals>, aqi, primary_pollutants, edition``.
    """
    if 24 % step_hours:
        raise ValueError("step_hours 应整除 24")
    k = 24 // step_hours
    present = [p for p in pollutants if p in steps.columns]
    if not present:
        raise ValueError("没有浓度列")
    f = steps.select("city", "step_start", *[exact.as_rational(p, steps.schema[p]).alias(p) for p in present])
    f = f.sort("city", "step_start")
    parts = []
    for p in present:
        # exact sums of k consecutive steps: the rationals put on one common denominator per city
        den = exact.den(p)
        parts.append(f.select("city", "step_start", exact.num(p).alias("n"), den.alias("d"), pl.lit(p).alias("p")))
    long = pl.concat(parts)
    rows = []
    for (city, p), g in long.group_by(["city", "p"], maintain_order=True):
        times = g["step_start"].to_list()
        vals = [None if n is None else Fraction(int(n), int(d)) for n, d in zip(g["n"].to_list(), g["d"].to_list())]
        idx = {t: v for t, v in zip(times, vals)}
        for t in times:
            seq = [idx.get(t + timedelta(hours=step_hours * i)) for i in range(k)]
            mean = None if any(v is None for v in seq) else sum(seq) / k
            rows.append((city, t, p, mean))
    if not rows:
        return pl.DataFrame()
    blocks = pl.DataFrame(
        {"city": [r[0] for r in rows], "block_start": [r[1] for r in rows], "p": [r[2] for r in rows],
         "num": [None if r[3] is None else r[3].numerator for r in rows],
         "den": [None if r[3] is None else r[3].denominator for r in rows]},
        schema={"city": pl.String, "block_start": pl.Datetime("us"), "p": pl.String, "num": pl.Int128,
                "den": pl.Int128},
    ).with_columns(v=exact.rational("num", "den")).pivot(on="p", index=["city", "block_start"], values="v")
    complete = pl.all_horizontal([pl.col(p).is_not_null() for p in present if p in blocks.columns])
    blocks = blocks.filter(complete).with_columns(date=pl.col("block_start").dt.date())
    # a forecast that gives only some pollutants: the others are not forecast, not missing
    # (air-aqi.md §10 would otherwise withhold a low AQI)
    bases = {"pm25": "pm25", "pm10": "pm10", "so2": "so2", "no2": "no2", "co": "co", "o3_8h": "o3"}
    absent = [b for c, b in bases.items() if c not in present]
    out = hj633.daily_aqi(blocks, edition=edition, daily_include_o3_1h=False, not_monitored=absent)
    return out.select("city", "block_start", *[p for p in present if p in out.columns], "aqi",
                      "primary_pollutants", "edition").sort("city", "block_start")
