"""Word (.docx) rendering of a :class:`~qingshan.bulletin.model.Bulletin` with python-docx.

Layout: title block (issuer, title, date), numbered sections (一、二、…), each with its
paragraphs, tables (header row, the spec's columns) and charts as PNG images; a section whose
data are not in the platform yet prints 「暂无数据」. Chinese text uses the Noto CJK fonts the
project installs (``scripts/system-deps.sh``): Noto Serif CJK SC for the body, Noto Sans CJK SC
for titles and tables.

Deterministic output (byte-identical regeneration of a published bulletin): the core properties
carry the bulletin's own date (no "now"), and the zip is rewritten with its entries in python-
docx's order, one fixed timestamp and fixed permissions.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from qingshan.bulletin import charts
from qingshan.bulletin.model import NO_DATA, Bulletin, section_number

BODY_FONT = "Noto Serif CJK SC"
TITLE_FONT = "Noto Sans CJK SC"


def _font(run, name: str, size: float | None = None, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    if size:
        run.font.size = Pt(size)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = colour


def _para(doc, text: str, *, font=BODY_FONT, size=12, bold=False, align=None, colour=None, indent=True):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent and align is None:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(4)
    _font(p.add_run(text), font, size, bold, colour)
    return p


def render(b: Bulletin) -> bytes:
    """The .docx bytes of a bulletin (deterministic)."""
    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = BODY_FONT
    st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.6)
    sec.top_margin, sec.bottom_margin = Cm(3.0), Cm(2.5)

    _para(doc, b.issuer, font=TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          colour=RGBColor(0xC0, 0x00, 0x00))
    _para(doc, b.title, font=TITLE_FONT, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, b.date_text, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    for n in b.notes:
        _para(doc, n, size=10, colour=RGBColor(0xB0, 0x30, 0x30), indent=False)
    for i, s in enumerate(b.sections, start=1):
        _para(doc, f"{section_number(i)}、{s.title}", font=TITLE_FONT, size=14, bold=True, indent=False)
        if s.no_data:
            _para(doc, NO_DATA)
        for text in s.paragraphs:
            _para(doc, text)
        for t in s.tables:
            _para(doc, t.title, font=TITLE_FONT, size=11, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            table = doc.add_table(rows=1 + len(t.rows), cols=len(t.columns))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            # every cell once, row-major: ``table.cell(r, j)`` re-lists all cells on each call
            # (quadratic; seconds for the A tables)
            cells = table._cells
            n = len(t.columns)
            for j, c in enumerate(t.columns):
                _font(cells[j].paragraphs[0].add_run(c), TITLE_FONT, 8, True)
            for r, row in enumerate(t.rows, start=1):
                for j, v in enumerate(row):
                    _font(cells[r * n + j].paragraphs[0].add_run(v), BODY_FONT, 8)
            for n in t.notes:
                _para(doc, n, size=9, indent=False)
        for c in s.charts:
            png = charts.render(c.key, c.data | {"title": c.title})
            doc.add_picture(io.BytesIO(png), width=Cm(15.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _para(doc, f"图：{c.title}", size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    when = datetime.fromisoformat(b.doc_date)
    cp = doc.core_properties
    cp.author = b.issuer
    cp.last_modified_by = b.issuer
    cp.title = b.title
    cp.subject = f"{b.kind}:{b.month}"
    cp.created = cp.modified = when
    cp.last_printed = when
    cp.revision = 1
    cp.comments = "qingshan"
    raw = io.BytesIO()
    doc.save(raw)
    return normalise_zip(raw.getvalue(), when)


def normalise_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a zip with fixed entry timestamps and permissions (entry order kept)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


__all__ = ["render", "normalise_zip"]
