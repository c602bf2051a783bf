"""Demo data for the workspace: the Datong organisation, one account per role, ledger items.

Ledger items are drawn from the 2023-11-17 Datong environmental-protection conference and the
documents around it (``FACTS.md`` §5, §6). Where FACTS.md reaches, the text is factual and names
its source tag; what is invented for the demo (assignments to units, deadlines, progress, the
complaints) is labelled 演示 in the item's 备注 (note) field.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from qingshan.core import clock
from qingshan.core.audit import SYSTEM, Action, record
from qingshan.core.org import User, ensure_org
from qingshan.ledgers import service
from qingshan.ledgers.models import LedgerItem
from qingshan.store.db import make_engine
from qingshan.store.migrate import upgrade
from qingshan.web.security import WebSettings, hash_password

# Demo passwords: printed by the demo command; never use them outside a demo.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None, str], ...] = (
    # username, display name, role, unit name, password
    ("admin", "系统管理员（演示）", "admin", "大同市生态环境局", "qingshan-admin-2023"),
    ("staff", "督察整改科 张工（演示）", "staff", "大同市生态环境局", "qingshan-staff-2023"),
    ("pingcheng", "平城区 联络员（演示）", "unit", "平城区", "qingshan-unit-2023"),
    ("shuiwu", "市水务局 联络员（演示）", "unit", "大同市水务局", "qingshan-unit-2023"),
    ("leader", "分管领导（演示）", "leader", None, "qingshan-leader-2023"),
    ("public", "公众用户（演示）", "public", None, "qingshan-public-2023"),
)

DEMO = "演示：责任单位、时限与进展为演示数据，非官方安排。"


def _items(today):
    d = lambda days: (today + timedelta(days=days)).isoformat()  # noqa: E731 - demo deadlines relative to today
    key_tasks = [
        ("消除劣Ⅴ类水体：三水统筹（水资源、水生态、水环境）推进“大同清”", "大同市水务局", ["大同市生态环境局", "平城区", "云州区"],
         d(45), "in_progress", {"area": "水", "source": "2023年大同市生态环境保护大会 [S6]",
                                "milestones": "演示：季度监测断面水质不劣于Ⅴ类；年底前完成整治方案。", "note": DEMO}),
        ("大气污染综合治理，科学、精准、差异化管控，打造“大同蓝”", "大同市生态环境局", ["大同市工业和信息化局", "大同市交通运输局"],
         d(-12), "in_progress", {"area": "大气", "source": "2023年大同市生态环境保护大会 [S6]", "note": DEMO}),
        ("冬季清洁取暖2023年任务：集中供热486.23万平方米、煤改电74,203户、煤改气9,925户", "大同市住房和城乡建设局",
         ["大同市能源局"] + ["新荣区", "阳高县", "天镇县"], d(-40), "submitted",
         {"area": "大气", "source": "大同市冬季清洁取暖三年实施方案(2021-2023年) [S50]", "note": DEMO}),
        ("尾矿库、工业固体废物、重金属环境风险隐患排查整治，常态化风险管控", "大同市生态环境局", ["大同市应急管理局", "大同市自然资源局"],
         d(20), "in_progress", {"area": "风险防范", "source": "2023年大同市生态环境保护大会 [S6]", "note": DEMO}),
        ("碳达峰碳中和：提升“双控”能力，推进源网荷储、风光水火储一体化", "大同市发展和改革委员会", ["大同市能源局"],
         d(120), "not_started", {"area": "碳达峰碳中和", "source": "2023年大同市生态环境保护大会 [S6]", "note": DEMO}),
        ("农村环境整治与土壤污染源头防控，“大同绿”", "大同市农业农村局", ["大同市生态环境局"],
         d(5), "in_progress", {"area": "土壤", "source": "2023年大同市生态环境保护大会 [S6]", "note": DEMO}),
        ("工业固体废物减量化、资源化、无害化", "大同市工业和信息化局", ["大同市生态环境局"],
         d(-200), "closed", {"area": "土壤", "source": "2023年大同市生态环境保护大会 [S6]", "note": DEMO}),
    ]
    inspection_common = {"inspection_level": "中央", "round": "第二轮（2021年，中央第一生态环境保护督察组）",
                         "feedback_date": "2021-07-20"}
    inspections = [
        ("“两高”项目盲目上马冲动较强，能耗双控工作不力", "大同市发展和改革委员会", ["大同市工业和信息化局"], d(30), "rectifying",
         {"measures": "演示：逐项清理在建、拟建“两高”项目，建立能耗台账。"}),
        ("焦化行业污染问题突出", "大同市生态环境局", ["云冈区", "大同市工业和信息化局"], d(-20), "rectifying",
         {"measures": "演示：焦化企业深度治理与超低排放改造，在线监控全覆盖。"}),
        ("矿产开发历史遗留生态问题", "大同市自然资源局", ["云冈区", "左云县"], d(60), "submitted",
         {"measures": "演示：历史遗留矿山生态修复。", "evidence": "演示：修复验收报告已上传。"}),
        ("黄河流域生态保护与节水存在差距，违规取水问题", "大同市水务局", ["浑源县", "灵丘县"], d(-300), "closed",
         {"measures": "演示：取水口专项整治。", "evidence": "演示：整治完成。", "verification": "演示：现场核查通过。"}),
        ("运输结构调整进展缓慢", "大同市交通运输局", ["大同市生态环境局"], d(10), "verified",
         {"measures": "演示：推进“公转铁”，重型柴油货车治理。", "verification": "演示：已现场核查。"}),
    ]
    hazards = [
        ("山西煤炭运销集团大同晋银矿业有限公司选矿厂尾矿库（“头顶库”，省要求2024年底前闭库销号）", "大同市应急管理局",
         ["大同市生态环境局"], "2024-12-31", "rectifying",
         {"hazard_type": "尾矿库", "site": "位置未核实（演示）", "grade": "重大", "last_inspected": d(-10),
          "measures": "闭库、销号（山西省2024—2026年矿山安全规划 [S72]）",
          "note": "事实：列入山西省5座“头顶库”，要求2024年底前闭库销号 [S72]。" + DEMO}),
        ("工业固体废物贮存场防渗与扬尘隐患（演示）", "云冈区", ["大同市生态环境局"], d(25), "open",
         {"hazard_type": "工业固体废物", "site": "云冈区（演示）", "longitude": 113.15, "latitude": 40.01, "grade": "较大",
          "last_inspected": d(-20), "note": DEMO}),
        ("重金属排放企业周边土壤风险（演示）", "灵丘县", [], d(-3), "rectifying",
         {"hazard_type": "重金属", "site": "灵丘县（演示）", "grade": "一般", "last_inspected": d(-40), "note": DEMO}),
    ]
    return key_tasks, inspection_common, inspections, hazards


def seed_demo(url: str | None = None, *, settings: WebSettings | None = None, migrate: bool = True) -> dict[str, str]:
    """Create the demo organisation, accounts and ledger items (idempotent).

    Returns
    -------
    dict
        ``{username: password}`` of the demo accounts, for the demo command to print.
    """
    from sqlalchemy.orm import sessionmaker

    settings = settings or WebSettings.from_env(**({"database_url": url} if url else {}))
    url = settings.database_url
    if migrate:
        upgrade(url)
    engine = make_engine(url)
    try:
        with sessionmaker(engine, expire_on_commit=False)() as db:
            units = ensure_org(db)
            for username, display, role, unit_name, password in DEMO_ACCOUNTS:
                if db.scalar(select(User).where(User.username == username)) is None:
                    db.add(User(username=username, display_name=display, role=role,
                                unit_id=units[unit_name].id if unit_name else None,
                                password_hash=hash_password(password, settings), active=True, failed_logins=0))
            db.commit()
            if db.scalar(select(func.count()).select_from(LedgerItem)):
                return {a[0]: a[4] for a in DEMO_ACCOUNTS}
            admin = db.scalar(select(User).where(User.username == "admin"))
            key_tasks, insp_common, inspections, hazards = _items(clock.today())
            batches = [("key_task", t) for t in key_tasks]
            batches += [("inspection", (*t[:5], {**insp_common, **t[5], "note": DEMO})) for t in inspections]
            batches += [("hazard", t) for t in hazards]
            year = clock.today().year
            counters: dict[str, int] = {}
            for kind, (title, lead, others, deadline, status, fields) in batches:
                counters[kind] = counters.get(kind, 0) + 1
                code = f"{service.CODE_PREFIX[kind]}-{year}-{counters[kind]:04d}"
                item, errors = service.build_item(
                    db, admin, kind, {"title": title, "lead_unit": lead, "units": others, "deadline": deadline,
                                      "fields": fields}, code, status=status)
                if errors:
                    raise ValueError(f"demo item {title}: {errors}")
                if status == "closed":
                    item.closed_at = item.updated_at
                db.add(item)
                db.flush()
                service._progress(db, item, admin, "create", "演示数据：初始导入", to_status=item.status)
                record(db, SYSTEM.as_actor(admin), Action.CREATE, object_type="ledger_item", object_id=item.id,
                          object_repr=f"{item.code} {item.title}", after=service.item_snapshot(item),
                          message="seed_demo")
            db.commit()
            for content, location in (
                ("演示：夜间某建筑工地扬尘严重，未覆盖裸土。", "平城区（演示）"),
                ("演示：河道旁有异味排水。", "云州区（演示）"),
            ):
                service.submit_complaint(db, SYSTEM, {"content": content, "location": location, "channel": "网站"})
    finally:
        engine.dispose()
    return {a[0]: a[4] for a in DEMO_ACCOUNTS}
