"""The layer contracts of docs/architecture.md, enforced in every test run.

``lint-imports`` (import-linter) checks the contracts of ``[tool.importlinter]`` in
pyproject.toml: layers (CLI > demo > web > domains > core > store > standards > exact/config),
pure standards, a sans-I/O HJ 212 core, domains without the web framework, no import cycle
between the package's parts nor between the modules of a part.

KNOWN_VIOLATIONS lists the imports that break a contract today and that another branch removes
(the lead deletes each line once that branch is merged; a line whose import no longer exists
fails this test, so the list cannot go stale). Nothing else may break a contract.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "qingshan"

#: contract id → imports ("importer -> imported") to ignore until the named branch is merged.
KNOWN_VIOLATIONS: dict[str, list[tuple[str, str]]] = {
    "layers": [
        ("qingshan.store.registry -> qingshan.ingest.encoding", "ingest"),
    ],
    "acyclic": [
        ("qingshan.store.registry -> qingshan.ingest.encoding", "ingest"),
        ("qingshan.store.db -> qingshan.store.migrate", "ingest"),
    ],
}


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _config_with_waivers(path: Path) -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        lines.append("\n[[tool.importlinter.contracts]]")
        waived = [imp for imp, _branch in KNOWN_VIOLATIONS.get(contract["id"], [])]
        if waived:
            contract = contract | {"ignore_imports": list(contract.get("ignore_imports", [])) + waived,
                                   "unmatched_ignore_imports_alerting": "none"}
        lines += [f"{k} = {_toml_value(v)}" for k, v in contract.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_layer_contracts_hold(tmp_path):
    config = tmp_path / "importlinter.toml"
    _config_with_waivers(config)
    run = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--config", str(config),
                          "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_known_violations_still_exist():
    """Each waiver names an import that is still there; once its branch removes it, delete the line."""
    graph = grimp.build_graph("qingshan")
    stale = [(imp, branch) for rules in KNOWN_VIOLATIONS.values() for imp, branch in rules
             if not graph.direct_import_exists(importer=imp.split(" -> ")[0], imported=imp.split(" -> ")[1])]
    assert not stale, f"remove these lines from KNOWN_VIOLATIONS (their branch fixed them): {stale}"


def test_no_module_is_looked_up_by_name():
    """Import what you use: no importlib/__import__ look-ups, no getattr on modules (TEAM.md)."""
    pattern = re.compile(r"import_module|__import__|getattr\(mod|importlib\.util|find_spec")
    hits = [f"{p.relative_to(REPO)}:{i}: {line.strip()}"
            for p in SRC.rglob("*.py") for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert not hits, "\n".join(hits)
