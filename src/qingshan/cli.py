"""The ``qingshan`` command. Each domain contributes a Typer sub-application from its own module.

The domains are imported directly: a broken import of any of them must fail loudly (and the
CLI tests), never hide a command. A new domain adds one import and one ``add_typer`` line here.
"""

from __future__ import annotations

import typer

from qingshan.air.cli import app as air_app
from qingshan.assessment.cli import assess
from qingshan.bulletin.cli import app as bulletin_app
from qingshan.carbon.cli import app as carbon_app
from qingshan.demo.cli import demo
from qingshan.emergency.cli import app as emergency_app
from qingshan.hj212.cli import app as hj212_app
from qingshan.ingest.cli import app as import_app
from qingshan.ingest.registry_cli import app as stations_app
from qingshan.landwaste.ponds.cli import app as ponds_app
from qingshan.landwaste.soil.cli import app as soil_app
from qingshan.landwaste.waste.cli import app as waste_app
from qingshan.sources.cli import app as sources_app
from qingshan.targets.cli import app as targets_app
from qingshan.water.cli import app as water_app
from qingshan.water.cli import import_command as water_import_command
from qingshan.web.cli import serve
from qingshan.web.users_cli import app as users_app

app = typer.Typer(
    help="青山 qingshan — 生态环境监测、评价与台账平台",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.add_typer(air_app, name="air", help="空气质量：AQI、评价与排名")
# `qingshan import water` is the water domain's importer, offered beside the air importers.
import_app.command("water", help="导入地表水数据：CNEMC 自动站导出、实验室长表")(water_import_command)
app.add_typer(import_app, name="import", help="导入监测数据与站点")
app.add_typer(stations_app, name="stations", help="监测站点登记")
app.add_typer(hj212_app, name="hj212", help="HJ 212 污染源在线监控")
app.add_typer(sources_app, name="sources", help="污染源登记：企业、排放口、设备与限值")
app.add_typer(soil_app, name="soil", help="土壤：GB 15618、GB 36600 分类与点位样品")
app.add_typer(waste_app, name="waste", help="工业固体废物台账与利用处置率、危险废物转移联单")
app.add_typer(ponds_app, name="ponds", help="尾矿库：一库一档、分级监管日历")
app.add_typer(targets_app, name="targets", help="年度目标、单位站点名单与目标跟踪")
app.add_typer(bulletin_app, name="bulletin", help="月度通报（Word 与 HTML）")
app.command("assess")(assess)
app.add_typer(carbon_app, name="carbon", help="碳排放核算与双控")
app.add_typer(emergency_app, name="emergency", help="重污染天气应急：预警、应急减排清单、绩效分级与减排核查")
app.add_typer(water_app, name="water", help="地表水：断面水质类别、数据导入、断面登记与评价报告")
app.command("demo")(demo)
app.command("serve")(serve)
app.add_typer(users_app, name="users", help="账户：创建首个系统管理员、查看账户")


@app.command()
def version() -> None:
    """Print the version."""
    from qingshan import __version__

    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
