"""The ``qingshan`` command. Each domain contributes a Typer sub-application from its own module."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    help="青山 qingshan — 生态环境监测、评价与台账平台",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# (name, module, attribute, help). A domain whose module is absent is simply not offered.
_SUBCOMMANDS = [
    ("air", "qingshan.air.cli", "app", "空气质量：AQI、评价与排名"),
    ("import", "qingshan.ingest.cli", "app", "导入监测数据与站点"),
    ("stations", "qingshan.ingest.registry_cli", "app", "监测站点登记"),
    ("hj212", "qingshan.hj212.cli", "app", "HJ 212 污染源在线监控"),
    ("sources", "qingshan.sources.cli", "app", "污染源登记：企业、排放口、设备与限值"),
]

for _name, _module, _attr, _help in _SUBCOMMANDS:
    try:
        _sub = getattr(importlib.import_module(_module), _attr)
    except ModuleNotFoundError as exc:  # only a missing domain module is tolerated
        if not _module.startswith(exc.name or "\0"):
            raise
        continue
    app.add_typer(_sub, name=_name, help=_help)

_COMMANDS = [
    ("demo", "qingshan.demo.cli", "demo"),
    ("serve", "qingshan.web.cli", "serve"),
]
for _name, _module, _attr in _COMMANDS:
    try:
        _fn = getattr(importlib.import_module(_module), _attr)
    except ModuleNotFoundError as exc:
        if not _module.startswith(exc.name or "\0"):
            raise
        continue
    app.command(_name)(_fn)


@app.command()
def version() -> None:
    """Print the version."""
    from qingshan import __version__

    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
