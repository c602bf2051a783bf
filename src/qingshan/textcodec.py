"""Text encoding of files users hand us: UTF-8 (with or without BOM) or GBK/GB18030.

Bureaus' exports from Excel and older acquisition software are often GBK; GB18030 is its
superset, so a file that is not valid UTF-8 is decoded as GB18030. The name used is reported
back (``"UTF-8"``, ``"UTF-8 (BOM)"``, ``"GB18030"``) so the user can see which was assumed.

This sits at the bottom of the layers (standard library only): the importers (``qingshan.ingest``)
and the station registry's small CSV files (``qingshan.store.registry``) both decode with it.
:func:`detect_encoding` does the same decision on a file without holding it in memory.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path

#: Encoding name shown to users → Python codec that reads the file (BOM consumed).
CODECS = {"UTF-8": "utf-8", "UTF-8 (BOM)": "utf-8-sig", "GB18030": "gb18030"}


class EncodingError(ValueError):
    """The bytes are neither UTF-8 nor GB18030 (message in Chinese, with the byte offset)."""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes; returns (text, encoding name)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError as exc:
            raise EncodingError(f"文件以 UTF-8 BOM 开头，但第 {exc.start + 4} 字节处不是有效的 UTF-8") from exc
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise EncodingError("文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 的 CSV")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as first:
        try:
            return data.decode("gb18030"), "GB18030"
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"无法识别文件编码：既不是 UTF-8（第 {first.start + 1} 字节出错），"
                f"也不是 GBK/GB18030（第 {exc.start + 1} 字节出错）"
            ) from exc


def _first_error(chunks: Iterable[bytes], codec: str, skip: int = 0) -> int | None:
    """0-based offset of the first byte ``codec`` cannot decode in the stream, or None."""
    dec = codecs.getincrementaldecoder(codec)("strict")
    offset = 0  # bytes of the stream before ``chunk``
    for chunk in chunks:
        if skip:
            cut = min(skip, len(chunk))
            chunk, skip, offset = chunk[cut:], skip - cut, offset + cut
        pending = len(dec.getstate()[0])  # an incomplete character carried from the last chunk
        try:
            dec.decode(chunk)
        except UnicodeDecodeError as exc:
            return offset - pending + exc.start
        offset += len(chunk)
    pending = len(dec.getstate()[0])
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return offset - pending + exc.start
    return None


def _chunks(path: Path, size: int = 1 << 20):
    with path.open("rb") as fh:
        while block := fh.read(size):
            yield block


def detect_encoding(path: str | Path) -> str:
    """The encoding :func:`decode_bytes` would pick for this file, read in 1 MiB blocks.

    Returns ``"UTF-8"``, ``"UTF-8 (BOM)"`` or ``"GB18030"`` (see :data:`CODECS` for the codec);
    raises :class:`EncodingError` with the same messages as :func:`decode_bytes`. Memory does not
    grow with the file; a GBK file is read twice (UTF-8 fails first).
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        bad = _first_error(_chunks(path), "utf-8", skip=len(codecs.BOM_UTF8))
        if bad is not None:
            raise EncodingError(f"文件以 UTF-8 BOM 开头，但第 {bad + 1} 字节处不是有效的 UTF-8")
        return "UTF-8 (BOM)"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        raise EncodingError("文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 的 CSV")
    first = _first_error(_chunks(path), "utf-8")
    if first is None:
        return "UTF-8"
    second = _first_error(_chunks(path), "gb18030")
    if second is None:
        return "GB18030"
    raise EncodingError(
        f"无法识别文件编码：既不是 UTF-8（第 {first + 1} 字节出错），也不是 GBK/GB18030（第 {second + 1} 字节出错）"
    )
