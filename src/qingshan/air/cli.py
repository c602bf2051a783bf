"""``qingshan air …``: the real-time AQI of a file and the period evaluation report."""

from __future__ import annotations

import typer

from qingshan.air.aqi_cli import aqi_command
from qingshan.air.report_cli import report_command

app = typer.Typer(no_args_is_help=True, help="空气质量：实时 AQI、评价与排名")
app.command("aqi")(aqi_command)
app.command("report")(report_command)
