"""One label table, one error mapping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qingshan.core import errors, labels
from qingshan.standards.editions import EDITIONS, LIMIT_STAGES
from qingshan.web.errors import HTTP_STATUS, status_of


def test_every_alarm_kind_the_alarm_module_records_has_a_label():
    # the kinds hj212.alarms writes: literals assigned to "kind" or produced by pl.lit in its rules
    src = (Path(__file__).resolve().parents[2] / "src/qingshan/hj212/alarms.py").read_text(encoding="utf-8")
    emitted = (set(re.findall(r'"kind": "(\w+)"', src))
               | {k for line in src.splitlines() if re.match(r"\s*kind = pl\.when", line)
                  for k in re.findall(r'pl\.lit\("(\w+)"\)', line)}
               | set(re.findall(r'_episodes\(\w+, \[[^\]]*\], \w+, "(\w+)"', src)))
    assert len(emitted) >= 6
    assert {"exceedance", "abnormal_flag", "flag_missing", "constant", "zero", "missing"} <= set(labels.ALARM_KINDS)
    assert emitted <= set(labels.ALARM_KINDS), emitted - set(labels.ALARM_KINDS)


def test_stage_and_edition_labels_cover_the_standards_codes():
    assert set(labels.STAGES) == set(LIMIT_STAGES) == set(labels.STAGE_SHORT)
    assert set(labels.EDITIONS) == set(EDITIONS)
    assert labels.label(labels.FACTORS, "a21026") == "SO2" and labels.label(labels.FACTORS, "x99") == "x99"


@pytest.mark.parametrize("exc, status", [
    (errors.PermissionDenied("无权"), 403), (errors.NotFound("无"), 404), (errors.Conflict("冲突"), 409),
    (errors.TooLarge("大"), 413), (errors.UnsupportedType("型"), 415), (errors.ValidationFailed("错"), 422),
    (errors.DomainError("其他"), 400),
])
def test_one_mapping_from_domain_errors_to_statuses(exc, status):
    assert status_of(exc) == status


def test_a_domain_subclass_maps_to_its_base():
    class ReportNotFound(errors.NotFound):
        pass

    assert status_of(ReportNotFound("通报不存在")) == 404 and ReportNotFound not in HTTP_STATUS
