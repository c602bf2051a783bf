"""Reading an input file without holding it in memory: its hash, its encoding, its CSV records.

* :func:`inspect_file` — size, SHA-256 and whether the last line ends with a line break, read in
  1 MiB blocks (an unchanged re-import is recognised from the hash before anything is parsed).
* :func:`csv_records` — the CSV records one by one with their 1-based row numbers as a
  spreadsheet shows them (header = row 1, blank lines counted but not returned), each marked
  when it is the file's last record.

A last line without a line break is how a cut file looks (a download or copy that stopped
mid-value turns ``123`` into ``12``): the importers refuse that row unless told the file is
complete (``trust_last_line``).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from qingshan.textcodec import CODECS

#: Records per parsed chunk: bounds the importer's memory whatever the file size.
CHUNK_ROWS = 50_000

UNTERMINATED_LAST_LINE = (
    "文件最后一行没有换行符，可能在下载、复制或导出时被截断（如 123 截成 12），该行未导入；"
    "如确认文件完整，请在末尾补一个换行后重新导入，或导入时加 --trust-last-line"
)


@dataclass(frozen=True)
class FileInfo:
    path: Path
    size: int
    sha256: str
    ends_with_newline: bool


def inspect_file(path: str | Path) -> FileInfo:
    path = Path(path)
    h = hashlib.sha256()
    size = 0
    last = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
            last = block.rstrip(b" \t")[-1:] or last  # trailing blanks after the last break are no line
    return FileInfo(path, size, h.hexdigest(), last in (b"\n", b"\r"))


def sniff_delimiter(path: Path, encoding: str) -> str:
    """Tab when the first line holds more tabs than commas (bureau exports), else comma."""
    with path.open(encoding=CODECS[encoding], newline="") as fh:
        first = fh.readline()
    return "\t" if first.count("\t") > first.count(",") else ","


def csv_records(path: Path, encoding: str, delimiter: str = ",") -> Iterator[tuple[int, list[str], bool]]:
    """``(row, cells, is_last)`` for every non-blank record of a CSV file."""
    with path.open(encoding=CODECS[encoding], newline="") as fh:
        pending = None
        for i, rec in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
            if not "".join(rec).strip():  # a blank line, or only empty cells
                continue
            if pending is not None:
                yield (*pending, False)
            pending = (i, rec)
        if pending is not None:
            yield (*pending, True)


def chunks(records: Iterator, size: int | None = None) -> Iterator[list]:
    """Lists of at most ``size`` (default :data:`CHUNK_ROWS`) consecutive records."""
    while batch := list(islice(records, size or CHUNK_ROWS)):
        yield batch
