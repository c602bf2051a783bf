"""Text encoding of imported files: UTF-8 (with or without BOM) or GBK/GB18030.

Bureaus' exports from Excel and older acquisition software are often GBK; GB18030 is its
superset, so a file that is not valid UTF-8 is decoded as GB18030. The name used is reported
back (``"UTF-8"``, ``"UTF-8 (BOM)"``, ``"GB18030"``) so the user can see which was assumed.
"""

from __future__ import annotations

import codecs


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
