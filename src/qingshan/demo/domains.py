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

from qingshan.demo import assess, carbon, emergency, landwaste, water


@dataclass(frozen=True)
class DomainDemo:
    title: str
    build: Callable[[Engine], Any]
    render: Callable[[Any], RenderableType]


#: The domains' demo steps, run in this order by ``qingshan demo`` (the lead wires each domain in).
DOMAIN_DEMOS: tuple[DomainDemo, ...] = (
    DomainDemo("地表水", water.run_for_demo, water.render_for_demo),
    DomainDemo("碳排放双控", carbon.build_carbon_demo, carbon.carbon_summary_renderable),
    DomainDemo("净土与风险底线（土壤、固废、危废联单、尾矿库）", landwaste.build_for_demo, landwaste.render_landwaste_demo),
    DomainDemo("重污染天气应急", emergency.build_on_engine, emergency.render_summary),
    # last: the bulletins draw on every other domain's demo content
    DomainDemo(assess.ASSESS_DEMO_TITLE, assess.run_demo, assess.render_run),
)


def run(console: Console, engine: Engine, demos: tuple[DomainDemo, ...] = DOMAIN_DEMOS) -> None:
    """Build every domain's demo on ``engine`` and print its summary."""
    for demo in demos:
        with console.status(f"构建演示：{demo.title}…"):
            summary = demo.build(engine)
        console.print(demo.render(summary))
