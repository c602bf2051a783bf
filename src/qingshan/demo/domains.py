"""The demo hook: each domain's demo builder and the printout of its summary.

``qingshan demo`` runs every :data:`DOMAIN_DEMOS` entry after the air evaluation, in order, on
the demo database, and prints what each returns. A domain adds one line here (a direct import of
its ``qingshan.demo.<domain>`` module), e.g.::

    from qingshan.demo import water
    DOMAIN_DEMOS = (DomainDemo("水环境", water.build_water_demo, water.render_summary),)

``build`` receives the demo's SQLAlchemy engine and writes the domain's labelled demo content
(idempotent, everything invented marked 演示/合成); ``render`` turns its return value into a Rich
renderable (a table, a panel) for the printout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console, RenderableType
from sqlalchemy import Engine

from qingshan.demo import water


@dataclass(frozen=True)
class DomainDemo:
    title: str
    build: Callable[[Engine], Any]
    render: Callable[[Any], RenderableType]


#: The domains' demo steps, run in this order by ``qingshan demo`` (the lead wires each domain in).
DOMAIN_DEMOS: tuple[DomainDemo, ...] = (
    DomainDemo("地表水", water.run_for_demo, water.render_for_demo),
)


def run(console: Console, engine: Engine, demos: tuple[DomainDemo, ...] = DOMAIN_DEMOS) -> None:
    """Build every domain's demo on ``engine`` and print its summary."""
    for demo in demos:
        with console.status(f"构建演示：{demo.title}…"):
            summary = demo.build(engine)
        console.print(demo.render(summary))
