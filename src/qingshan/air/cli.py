"""``qingshan air …``: the real-time AQI of a file and the period evaluation report."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(no_args_is_help=True, help="空气质量：实时 AQI、评价与排名")

for _name, _module, _attr in (
    ("aqi", "qingshan.air.aqi_cli", "aqi_command"),
    ("report", "qingshan.air.report_cli", "report_command"),
):
    try:
        _fn = getattr(importlib.import_module(_module), _attr)
    except ModuleNotFoundError as exc:  # the command's module is not there yet
        if not _module.startswith(exc.name or "\0"):
            raise
        continue
    app.command(_name)(_fn)
