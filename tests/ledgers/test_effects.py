"""Workflow side effects are data on the transition (qingshan.ledgers.workflow)."""

from __future__ import annotations

from qingshan.ledgers.permissions import transition_form
from qingshan.ledgers.workflow import KINDS, TRANSITIONS, AssignUnit, ChoiceFrom, CountUp, NoteTo, find_transition


def test_effects_of_the_transitions():
    assert find_transition("complaint", "assign").effects == (AssignUnit(),)
    assert find_transition("complaint", "reply").effects == (NoteTo("reply"),)
    assert find_transition("complaint", "close").effects == (ChoiceFrom("satisfaction", "satisfaction"),)
    assert find_transition("inspection", "submit").effects == (NoteTo("evidence"),)
    assert find_transition("inspection", "verify").effects == (NoteTo("verification"),)
    assert find_transition("emergency", "submit").effects == (NoteTo("evidence"),)
    assert find_transition("enforcement", "decide").effects == (NoteTo("decision"),)
    reopen = [t for t in TRANSITIONS if t.action == "reopen"]
    assert len(reopen) == len(KINDS) and all(t.effects == (CountUp("reopen_count"),) for t in reopen)  # one per kind


def test_forms_ask_what_the_effects_need():
    assign = transition_form(find_transition("complaint", "assign"))
    assert assign["unit_label"] == "承办单位" and assign["choices"] == []
    close = transition_form(find_transition("complaint", "close"))
    assert close["unit_label"] is None
    assert close["choices"] == [{"param": "satisfaction", "label": "满意度", "options": ["满意", "基本满意", "不满意"]}]
