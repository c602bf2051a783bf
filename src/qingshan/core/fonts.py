"""The one CJK font lookup of every matplotlib chart (the demo's PNG, the bulletins' charts).

Chinese labels need a font that has the glyphs. The project installs Debian's
``fonts-noto-cjk`` (``make system-deps``); :func:`cjk_font` finds an installed family through
matplotlib's font manager, best first, then any other CJK family, or None (the chart is still
drawn; its Chinese labels then show as boxes and the caller says so). :func:`rc` is the
matplotlib ``rcParams`` that use it.
"""

from __future__ import annotations

from functools import lru_cache

#: Preferred families, best first.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font family that can draw Simplified Chinese, or None (looked up
    once per process: the font manager's list does not change while it runs)."""
    from matplotlib import font_manager

    found = _pick({f.name for f in font_manager.fontManager.ttflist})
    if found is None:
        # matplotlib caches its font list on first use; fonts installed after that (``make
        # system-deps`` after a first run) are missing from it until the cache is rebuilt, so
        # look at the system's font files once and add the CJK ones.
        for path in font_manager.findSystemFonts():
            if any(k in path for k in _CJK_FILE_HINTS):
                font_manager.fontManager.addfont(path)
        found = _pick({f.name for f in font_manager.fontManager.ttflist})
    return found


#: Substrings of the font files worth adding when the cached list has no CJK family.
_CJK_FILE_HINTS = ("CJK", "cjk", "wqy", "WenQuanYi", "SourceHan", "simhei", "msyh")


def _pick(installed: set[str]) -> str | None:
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    for name in sorted(installed):  # any other CJK family ("Noto Sans CJK JP" has the glyphs too)
        if "CJK" in name or "Hei" in name:
            return name
    return None


def rc() -> dict:
    """matplotlib rcParams for Chinese labels: the CJK family first, DejaVu Sans for the rest,
    and an ASCII minus sign (the CJK fonts lack U+2212)."""
    font = cjk_font()
    return {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}


__all__ = ["CJK_FAMILIES", "cjk_font", "rc"]
