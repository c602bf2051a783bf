"""Issue 8 item 4: the HJ 212 codec and the gateway's protocol object import no database, web,
password or asyncio server code (the layer rule import-linter enforces); and the registry
(``qingshan.sources``) never imports the protocol domain (docs/hj212-gateway.md "Layers")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("sqlalchemy", "argon2", "fastapi", "starlette", "uvicorn", "qingshan.store", "qingshan.web",
             "qingshan.hj212.gateway.server", "qingshan.hj212.gateway.writer", "psycopg")
PURE = ["qingshan.hj212.crc", "qingshan.hj212.codes", "qingshan.hj212.cp", "qingshan.hj212.packet",
        "qingshan.hj212.framing", "qingshan.hj212.responses", "qingshan.hj212.errors",
        "qingshan.hj212.gateway.protocol", "qingshan.hj212.gateway.events", "qingshan.hj212.gateway.auth",
        "qingshan.hj212.gateway.guard"]


def _imported_after(module: str) -> list[str]:
    code = f"import sys, json; import {module}; print(json.dumps(sorted(sys.modules)))"
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("module", PURE)
def test_codec_and_protocol_import_no_database_web_or_password_code(module):
    loaded = _imported_after(module)
    bad = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, f"{module} pulls in {bad[:8]}"


def test_sources_never_imports_hj212():
    for module in ("qingshan.sources.registry", "qingshan.sources.cli", "qingshan.sources.devices"):
        loaded = _imported_after(module)
        assert not [m for m in loaded if m.startswith("qingshan.hj212")], module


def test_crc_variant_names_match_the_codec():
    from qingshan.hj212.crc import CRC_VARIANTS
    from qingshan.sources.devices import CrcVariant

    assert set(CRC_VARIANTS) == {"hj212", *CrcVariant}
