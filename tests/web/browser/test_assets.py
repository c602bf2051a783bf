"""Assets are ours (no CDN, no internet at run time) and chart data cannot break out of its script block."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from qingshan.web.deps import TEMPLATES_DIR
from qingshan.web.pages.render import STATIC_DIR, chart_json

VENDOR = STATIC_DIR / "vendor"


def _versions() -> dict[str, tuple[str, str, str]]:
    out = {}
    for line in (VENDOR / "VERSIONS.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, package, version, _licence, sha = line.split()
        out[name] = (package, version, sha)
    return out


def test_vendor_files_match_their_recorded_versions_and_hashes():
    versions = _versions()
    assert set(versions) == {"htmx.min.js", "echarts.min.js", "swagger-ui-bundle.js", "swagger-ui.css"}
    for name, (_package, version, sha) in versions.items():
        body = (VENDOR / name).read_bytes()
        assert hashlib.sha256(body).hexdigest() == sha, name
    # the files say which version they are
    assert versions["htmx.min.js"][1] == "2.0.11" and b'version:"2.0.11"' in (VENDOR / "htmx.min.js").read_bytes()
    assert b'"6.1.0"' in (VENDOR / "echarts.min.js").read_bytes()
    assert versions["swagger-ui-bundle.js"][:2] == ("swagger-ui-dist", "5.35.0")


def test_licences_are_shipped_with_the_assets():
    assert "Zero-Clause BSD" in (VENDOR / "htmx.LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache License" in (VENDOR / "echarts.LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache Software Foundation" in (VENDOR / "echarts.NOTICE.txt").read_text(encoding="utf-8")
    assert "Apache License" in (VENDOR / "swagger-ui.LICENSE.txt").read_text(encoding="utf-8")
    assert "SmartBear" in (VENDOR / "swagger-ui.NOTICE.txt").read_text(encoding="utf-8")


def test_templates_and_own_assets_load_nothing_from_other_origins():
    pattern = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.I)
    files = list(TEMPLATES_DIR.rglob("*.html")) + [STATIC_DIR / "app.js", STATIC_DIR / "app.css",
                                                   STATIC_DIR / "swagger-init.js"]
    assert len(files) > 10
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert not pattern.search(text), f"{f} references another origin"
        assert "@import" not in text and "url(http" not in text, f


def test_chart_json_cannot_close_the_script_element():
    out = str(chart_json({"title": {"text": "</script><script>alert(1)</script>&"}}))
    assert "</script>" not in out and "<" not in out and "&" not in out
    assert "\\u003c/script\\u003e" in out


def test_stored_utc_times_are_shown_in_beijing_time():
    from datetime import datetime, timezone

    from qingshan.core.clock import local_text as beijing_time
    from qingshan.web.pages.render import file_size

    assert beijing_time(datetime(2026, 11, 29, 1, 37)) == "2026-11-29 09:37"  # naive = UTC (SQLite)
    assert beijing_time(datetime(2026, 11, 29, 17, 5, tzinfo=timezone.utc)) == "2026-11-30 01:05"
    assert beijing_time("2026-11-29T01:37:00+00:00") == "2026-11-29 09:37"
    assert beijing_time(None) == ""
    assert file_size(37) == "37 字节" and file_size(2048) == "2.0 KB"
