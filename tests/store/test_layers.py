"""The store sits below every domain and has no import cycle inside (TEAM.md: layers).

Checked on the source (every ``import`` statement, including those inside functions), so a
lazy import cannot hide a cycle. ``store/migrations/env.py`` is Alembic's entry point and is
not imported by the store's modules; it is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qingshan

PKG = Path(qingshan.__file__).resolve().parent
ALLOWED_BELOW_STORE = {"qingshan.exact", "qingshan.config", "qingshan.textcodec", "qingshan.core"}


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != "qingshan":  # ``from qingshan import exact`` names qingshan.exact
                out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if m.startswith("qingshan")}


def _store_modules() -> dict[str, Path]:
    mods = {}
    for p in (PKG / "store").rglob("*.py"):
        if "migrations" in p.parts:
            continue
        rel = p.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        mods[name] = p
    return mods


def test_store_imports_no_domain():
    bad = {}
    for name, path in _store_modules().items():
        outside = {
            m for m in _imports(path)
            if not m.startswith("qingshan.store") and not any(m == a or m.startswith(a + ".") for a in ALLOWED_BELOW_STORE)
        }
        if outside:
            bad[name] = sorted(outside)
    assert bad == {}


def test_no_import_cycle_inside_store():
    mods = _store_modules()
    graph = {n: {m for m in _imports(p) if m in mods and m != n} for n, p in mods.items()}
    # a package's own __init__ is not an edge worth following (it is empty)
    seen: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        seen[n] = 1
        for m in graph[n]:
            assert seen.get(m) != 1, f"import cycle: {' → '.join(stack + [n, m])}"
            if m not in seen:
                visit(m, stack + [n])
        seen[n] = 2

    for n in graph:
        if n not in seen:
            visit(n, [])
