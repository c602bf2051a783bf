"""Evidence files: content-checked, size-limited, stored outside the web root, served only to
those allowed; a refused upload leaves nothing behind (no progress line, no file)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import qingshan.web
from qingshan.ledgers.attachments import check, sniff

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<html><script>alert(document.cookie)</script></html>"


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _files(backend, item_id: int) -> list[Path]:
    folder = backend["home"] / "attachments" / str(item_id)
    return sorted(folder.glob("*")) if folder.exists() else []


def test_evidence_upload_and_download(backend, clients, make_item):
    item = make_item()
    r = clients["unit_own"].post(f"/api/ledgers/{item['id']}/progress", data={"text": "完成清淤，附验收单"},
                                 files=[("files", ("验收单.pdf", PDF, "application/pdf")),
                                        ("files", ("现场.png", PNG, "image/png")),
                                        ("files", ("报告.docx", _docx(), "application/octet-stream"))])
    assert r.status_code == 201, r.text
    entry = r.json()["history"]["entries"][-1]
    assert entry["text"] == "完成清淤，附验收单"
    assert [a["content_type"] for a in entry["attachments"]] == [
        "application/pdf", "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    stored = _files(backend, item["id"])
    assert len(stored) == 3
    web_root = Path(qingshan.web.__file__).parent
    assert all(web_root not in p.parents for p in stored)  # outside the package / static root
    d = clients["leader"].get(entry["attachments"][0]["url"])
    assert d.status_code == 200 and d.content == PDF
    assert d.headers["content-disposition"].startswith("attachment;")
    assert d.headers["x-content-type-options"] == "nosniff"
    # public and anonymous callers never get the file
    assert clients["public"].get(entry["attachments"][0]["url"]).status_code == 403
    assert TestClient(backend["app"]).get(entry["attachments"][0]["url"]).status_code == 401
    # and it is not reachable as a static file
    name = stored[0].name
    assert TestClient(backend["app"]).get(f"/static/{name}").status_code == 404


@pytest.mark.parametrize(
    ("filename", "content", "status", "words"),
    [
        ("整改报告.pdf", EXE, 415, "Windows 可执行文件"),  # executable disguised as PDF
        ("照片.jpg", HTML, 415, "HTML"),  # HTML (stored XSS) disguised as an image
        ("报告.docx", PNG, 415, "扩展名"),  # real PNG, wrong extension
        ("报告.pdf", b"PK\x03\x04garbage", 415, "无法识别"),  # broken zip
        ("空.pdf", b"", 422, "空文件"),
    ],
)
def test_disguised_files_are_refused(backend, clients, make_item, filename, content, status, words):
    item = make_item()
    before = clients["staff"].get(f"/api/ledgers/{item['id']}").json()["history"]["entries"]
    r = clients["staff"].post(f"/api/ledgers/{item['id']}/progress", data={"text": "附件"},
                              files=[("files", ("好的.pdf", PDF, "application/pdf")),
                                     ("files", (filename, content, "application/pdf"))])
    assert r.status_code == status, r.text
    assert filename in r.json()["detail"] and words in r.json()["detail"]
    after = clients["staff"].get(f"/api/ledgers/{item['id']}").json()["history"]
    assert after["entries"] == before and after["attachments"] == []  # nothing half-written
    assert _files(backend, item["id"]) == []


def test_oversized_file_is_refused_with_its_size(backend, clients, make_item):
    limit = backend["settings"].max_attachment_bytes
    item = make_item()
    big = PDF + b"0" * (limit + 1 - len(PDF))
    r = clients["staff"].post(f"/api/ledgers/{item['id']}/progress", data={"text": "大文件"},
                              files=[("files", ("扫描件.pdf", big, "application/pdf"))])
    assert r.status_code == 413
    assert "扫描件.pdf" in r.json()["detail"] and f"{limit:,}" in r.json()["detail"]
    assert _files(backend, item["id"]) == []
    # exactly at the limit is accepted
    ok = PDF + b"0" * (limit - len(PDF))
    r = clients["staff"].post(f"/api/ledgers/{item['id']}/progress", data={"text": "刚好"},
                              files=[("files", ("扫描件.pdf", ok, "application/pdf"))])
    assert r.status_code == 201


def test_sniffer_uses_content_not_name():
    assert sniff(PDF).name == "PDF" and sniff(PNG).name == "PNG 图片"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF").name == "JPEG 图片"
    assert sniff(EXE) is None and sniff(HTML) is None
    assert check("A.PDF", PDF, 10_000).mime == "application/pdf"  # extension case-insensitive
