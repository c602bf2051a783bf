"""Versioned data tables of the heavy-pollution emergency rules (air-emergency.md).

Every table the spec marks UNCONFIRMED or PROJECT DEFAULT — alert thresholds per edition
(§1.2), required reduction ratios (§2.1), grade-limit tables per industry (§3.3), the measures
per grade (§3.2), the transport rule (§3.4) and the parameters of rule VERIFY-1 (§4.2) — is a
:class:`TableVersion`: ``kind``, ``version``, ``status`` and ``source`` plus the data. The
packaged defaults live in ``standards/data/emergency_<kind>.json``; the bureau edits a table by
storing a new version in the database (:mod:`qingshan.emergency.tables`), and every function
that uses a table takes it as a parameter (default: the packaged one) and puts
:attr:`TableVersion.ref` into its result, so every number can be traced to the table version
and its status.

No I/O beyond reading the packaged JSON through :mod:`importlib.resources`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

#: The kinds of versioned tables and their Chinese names (shown on pages and in reports).
KINDS: Mapping[str, str] = {
    "alert_thresholds": "预警分级阈值",
    "required_ratio": "应急减排比例",
    "grade_limits": "绩效分级排放限值",
    "grade_measures": "分级减排措施",
    "transport_rule": "运输方式指标",
    "verify_params": "减排核查规则参数（VERIFY-1）",
}

#: Status words: confirmed (read from the official text or enough reprints), UNCONFIRMED (not
#: confirmed, the spec's default), PROJECT DEFAULT (no official computable rule; ours).
STATUSES = ("confirmed", "UNCONFIRMED", "PROJECT DEFAULT")


class TableError(ValueError):
    """A table version that cannot be used; the message (Chinese) says what is wrong."""


@dataclass(frozen=True)
class TableVersion:
    kind: str
    version: str
    status: str
    source: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> dict[str, str]:
        """What a result carries about the table it used."""
        return {"kind": self.kind, "version": self.version, "status": self.status}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "version": self.version, "status": self.status, "source": self.source,
                "data": json.loads(json.dumps(self.data))}


def from_dict(d: Mapping[str, Any], kind: str | None = None) -> TableVersion:
    """A table version from its JSON form (packaged file entry or database row)."""
    k = kind or d.get("kind")
    if k not in KINDS:
        raise TableError(f"未知的数据表类型“{k}”，应为 {'、'.join(KINDS)} 之一")
    version = str(d.get("version") or "").strip()
    if not version:
        raise TableError(f"{KINDS[k]}：缺少版本号")
    status = str(d.get("status") or "").strip()
    if status not in STATUSES:
        raise TableError(f"{KINDS[k]} {version}：状态“{status}”应为 {'、'.join(STATUSES)} 之一")
    source = str(d.get("source") or "").strip()
    if not source:
        raise TableError(f"{KINDS[k]} {version}：缺少来源（source）")
    data = d.get("data")
    if not isinstance(data, Mapping):
        raise TableError(f"{KINDS[k]} {version}：data 应为对象")
    return TableVersion(k, version, status, source, data)


@lru_cache(maxsize=None)
def packaged(kind: str) -> tuple[TableVersion, ...]:
    """Every packaged version of ``kind``, the default first."""
    if kind not in KINDS:
        raise TableError(f"未知的数据表类型“{kind}”")
    text = resources.files("qingshan.standards").joinpath("data", f"emergency_{kind}.json").read_text("utf-8")
    doc = json.loads(text)
    return tuple(from_dict(v, kind) for v in doc["versions"])


def packaged_default(kind: str) -> TableVersion:
    return packaged(kind)[0]


def packaged_version(kind: str, version: str) -> TableVersion:
    for t in packaged(kind):
        if t.version == version:
            return t
    raise TableError(f"{KINDS[kind]}没有版本“{version}”；可用：{'、'.join(t.version for t in packaged(kind))}")
