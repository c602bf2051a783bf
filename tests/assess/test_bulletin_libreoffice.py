"""Both bulletins' .docx open in LibreOffice (headless Writer, Debian ``libreoffice-writer-nogui``,
installed by scripts/system-deps.sh) and every section title, table caption and chart caption is
in what it lays out (issue 11: "opening the .docx … in LibreOffice headless … shows every table
and chart").

The .docx is converted to PDF with a private profile (``-env:UserInstallation``: no user profile
is read or written, and two runs never share one); the PDF's text comes from poppler's
``pdftotext`` (falling back to LibreOffice's own plain-text export), compared with all white
space removed because a laid-out line may break anywhere inside a CJK title. The charts are
counted as images in the PDF (``pdfimages -list``, poppler).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qingshan.bulletin import service
from qingshan.bulletin.model import NO_DATA, section_number

pytestmark = pytest.mark.slow

TIMEOUT = 120  # seconds for one LibreOffice run converting both documents


def _soffice() -> str:
    exe = shutil.which("soffice")
    if exe is None:
        pytest.fail("未安装 LibreOffice（soffice）：请以 root 运行 make system-deps（Debian 包 libreoffice-writer-nogui）")
    return exe


def _convert(paths: list[Path], out: Path, target: str, profile: Path) -> None:
    subprocess.run([_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(out), *map(str, paths)],
                   check=True, capture_output=True, timeout=TIMEOUT)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def converted(air_b, work_b, tmp_path_factory):
    """Both .docx written and converted to PDF in one LibreOffice run; each bulletin's PDF path
    and its laid-out text."""
    d = tmp_path_factory.mktemp("lo")
    docs = {}
    for b in (air_b, work_b):
        p = d / f"{b.kind}.docx"
        p.write_bytes(service.render_docx(b))
        docs[b.kind] = p
    profile = d / "profile"
    _convert(list(docs.values()), d, "pdf", profile)
    out = {}
    for kind, p in docs.items():
        pdf = p.with_suffix(".pdf")
        assert pdf.is_file() and pdf.stat().st_size > 0, f"LibreOffice 未生成 {pdf.name}"
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                                  timeout=TIMEOUT).stdout.decode("utf-8")
        else:  # LibreOffice's plain-text export of the same document
            _convert([p], d, "txt:Text (encoded):UTF8", profile)
            text = p.with_suffix(".txt").read_text(encoding="utf-8-sig")
        out[kind] = (pdf, _flat(text))
    return out


@pytest.mark.parametrize("kind", ["air", "work"])
def test_libreoffice_lays_out_every_section_table_and_chart(converted, air_b, work_b, kind):
    b = air_b if kind == "air" else work_b
    pdf, text = converted[kind]
    assert _flat(b.title) in text
    for i, s in enumerate(b.sections, start=1):
        assert _flat(f"{section_number(i)}、{s.title}") in text, s.title
        if s.no_data:
            assert NO_DATA in text
        for t in s.tables:
            assert _flat(t.title) in text, t.title
            assert _flat(t.columns[0]) in text and (not t.rows or _flat(t.rows[0][0]) in text), t.title
        for c in s.charts:
            assert _flat(f"图：{c.title}") in text, c.title
    n_charts = sum(len(s.charts) for s in b.sections)
    if shutil.which("pdfimages"):
        listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                                 timeout=TIMEOUT).stdout.decode()
        images = [ln for ln in listing.splitlines()[2:] if ln.split() and ln.split()[2] == "image"]
        assert len(images) >= n_charts


def test_both_bulletins_have_tables(air_b, work_b):
    """The layout test above is only meaningful when there is something to lay out: the demo's
    air bulletin has Tables A1–A5 and three charts, the work bulletin B2–B4 among its tables."""
    assert sum(len(s.tables) for s in air_b.sections) == 5 and sum(len(s.charts) for s in air_b.sections) == 3
    titles = [t.title for s in work_b.sections for t in s.tables]
    assert any(t.startswith("表B4") for t in titles) and any(t.startswith("表B2") for t in titles)
