"""Word documents of alert actions (预警发布/升级/降级/解除通知), built with python-docx.

The text states what the decision record shows (the forecast run, the blocks and the condition
met, §1.7) and the measures the list prescribes at the level; the 文号 is the one the bureau
recorded (:func:`qingshan.emergency.alerts.set_document_no`), or a blank to fill in. Demo
alerts say 演示 in the title.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from sqlalchemy.orm import Session

from qingshan.emergency import lists
from qingshan.emergency.errors import NotFound
from qingshan.emergency.models import Alert, AlertAction
from qingshan.standards.alert_levels import RESPONSE, Level

TITLE = {"issue": "关于发布重污染天气{lv}预警的通知", "raise": "关于将重污染天气预警升级为{lv}预警的通知",
         "lower": "关于将重污染天气预警调整为{lv}预警的通知", "extend": "关于延长重污染天气{lv}预警的通知",
         "lift": "关于解除重污染天气预警的通知"}


def action_document(session: Session, action_id: int, *, list_id: int | None = None) -> bytes:
    act = session.get(AlertAction, action_id)
    if act is None:
        raise NotFound(f"预警操作 {action_id} 不存在")
    alert = session.get(Alert, act.alert_id)
    lv = Level.parse(act.level if act.action != "lift" else alert.max_level)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(14)
    title = TITLE[act.action].format(lv=lv.zh)
    h = doc.add_heading(("【演示】" if alert.demo else "") + title, level=1)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(act.document_no or "（文号待填）")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rec = act.decision or {}
    blocks = rec.get("blocks") or []
    if act.action == "lift":
        doc.add_paragraph(f"经会商研判，{alert.city}空气质量已改善且预计持续，决定于 {act.at:%Y年%m月%d日%H时} "
                          f"解除重污染天气预警，各项应急减排措施同时终止。{act.reason}")
    else:
        text = (f"据{rec.get('run_time', '')[:16].replace('T', ' ')}预报，{alert.city}将出现重污染天气过程。"
                f"依据《重污染天气应急预案》，决定自 {act.at:%Y年%m月%d日%H时} 起"
                f"{'发布' if act.action == 'issue' else '调整为'}{lv.zh}预警，启动{RESPONSE.get(lv, '')}应急响应。")
        doc.add_paragraph(text)
        if blocks:
            t = doc.add_table(rows=1, cols=3)
            t.style = "Table Grid"
            for c, name in zip(t.rows[0].cells, ("时段起点", "预报AQI", "首要污染物")):
                c.text = name
            for b in blocks:
                row = t.add_row().cells
                row[0].text = (b.get("start") or "")[:16].replace("T", " ")
                row[1].text = "缺测" if b.get("aqi") is None else str(b["aqi"])
                row[2].text = "、".join(b.get("primary_pollutant") or []) or "—"
        doc.add_paragraph(f"判定依据：{rec.get('branch_zh') or rec.get('branch') or act.reason}（阈值表 "
                          f"{(rec.get('thresholds') or {}).get('version', alert.rules)}）。")
        try:
            lst = lists.get_list(session, list_id)
        except NotFound:
            lst = None
        if lst is not None:
            doc.add_paragraph("纳入应急减排清单的企业按下列措施执行：")
            seen: dict[tuple[str, str], int] = {}
            for r in lists.list_rows(session, lst.id):
                key = (lists.INDUSTRY_ZH.get(r.industry, r.industry), lists.measures_text(r, lv.code) or "—")
                seen[key] = seen.get(key, 0) + 1
            for (ind, ms), n in sorted(seen.items()):
                doc.add_paragraph(f"{ind}（{n} 条生产线）：{ms}", style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
