"""The one CJK font lookup finds the installed Noto CJK fonts even when matplotlib's cached
font list predates their installation (``make system-deps`` after a first run)."""

from __future__ import annotations

from matplotlib import font_manager

from qingshan.core import fonts


def test_stale_font_cache_still_finds_the_cjk_font(monkeypatch):
    stale = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name and "Hei" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    fonts.cjk_font.cache_clear()
    try:
        found = fonts.cjk_font()
        assert found is not None and "CJK" in found, found
        assert fonts.rc()["font.family"][0] == found
    finally:
        fonts.cjk_font.cache_clear()
