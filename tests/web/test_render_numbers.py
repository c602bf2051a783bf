"""Concentrations on pages are rounded like published figures (GB/T 8170 half to even)."""

from qingshan.web.pages.render import fmt_num


def test_display_rounding_is_half_even_on_the_decimal_value():
    # air-evaluation.md §5.1: 1.85 → 1.8; 0.45 → 0.4; 2.5 → 2; 3.5 → 4 (a float :.1f gives 1.9 / 0.5)
    assert [fmt_num(v, 1) for v in (1.85, 0.45, 1.86)] == ["1.8", "0.4", "1.9"]
    assert [fmt_num(v) for v in (2.5, 3.5, 34.5, 35.5)] == ["2", "4", "34", "36"]
    assert fmt_num(None) == "—" and fmt_num("n/a") == "n/a"
