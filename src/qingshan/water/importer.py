"""Importing water files into the store: one file = one transaction (nothing half-written).

* :func:`import_cnemc` — the CNEMC automatic-station export (:mod:`qingshan.water.cnemc`),
  both class codings; the published class goes to ``water_published_class``.
* :func:`import_lab` — laboratory results in the long table format (:mod:`qingshan.water.lab`).
* :func:`import_frame` — already-mapped observations (the HJ 212 path,
  :func:`qingshan.water.hj212.observations_from_hj212`, and the demo).

Guarantees (as the air importers): per-row errors with file, row, field and reason in Chinese;
the good rows are written once — an identical duplicate row is skipped, conflicting duplicates
are all rejected; re-importing a file writes nothing new (upsert on section, time, item,
source; an unchanged value is not rewritten and is counted as such, not as written) and says
which earlier batch had it; a file that cannot be read at all, or a write that
fails, leaves no observation behind and is recorded as a ``failed`` batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import insert, select

from qingshan.water import cnemc as cnemc_mod
from qingshan.water import lab as lab_mod
from qingshan.water.files import FileRefused, RowError, sha256_of
from qingshan.water.models import Section
from qingshan.water.store import WRITE_SCHEMA, WaterStore


@dataclass
class WaterImportResult:
    """Outcome of importing one file."""

    path: Path
    kind: str
    encoding: str | None = None
    sha256: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    values_written: int = 0  # values inserted or replaced (new + replaced)
    values_new: int = 0
    values_replaced: int = 0
    values_unchanged: int = 0  # already stored with the same value: not rewritten
    sections_registered: int = 0
    batch_id: int | None = None
    previous_batch: int | None = None
    status: str = "ok"
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict:
        return {
            "file": self.path.name, "kind": self.kind, "encoding": self.encoding, "rows_read": self.rows_read,
            "rows_kept": self.rows_kept, "rows_rejected": self.rows_rejected, "values_written": self.values_written,
            "values_new": self.values_new, "values_replaced": self.values_replaced,
            "values_unchanged": self.values_unchanged, "sections_registered": self.sections_registered, "batch_id": self.batch_id,
            "previous_batch": self.previous_batch, "status": self.status,
            "errors": [e.as_dict() for e in self.errors],
        }


class WaterImportFailed(RuntimeError):
    """The file was not imported at all (nothing written)."""

    def __init__(self, result: WaterImportResult, message: str):
        super().__init__(message)
        self.result = result


def _registry_index(store: WaterStore) -> tuple[set[str], dict[str, list[tuple[str, str | None]]]]:
    """Registered codes, and name → [(code, basin)]."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(Section.code, Section.name, Section.basin)).all()
    names: dict[str, list[tuple[str, str | None]]] = {}
    for code, name, basin in rows:
        names.setdefault(name, []).append((code, basin))
    return {r[0] for r in rows}, names


def _resolve(text: str, basin: str, codes: set[str], names: dict[str, list[tuple[str, str | None]]],
             *, by_code: bool = True) -> tuple[str | None, str | None]:
    """Section text (code, then name; CNEMC files carry names only) → (code, error)."""
    if by_code and text in codes:
        return text, None
    cands = names.get(text, [])
    if basin:  # same name in another basin is another section (三岔口: 海河 and 松花江)
        cands = [c for c in cands if c[1] in (None, "", basin)]
    if len(cands) == 1:
        return cands[0][0], None
    if len(cands) > 1:
        return None, f"断面名称「{text}」对应多个断面（{'、'.join(c[0] for c in cands)}），请改用断面编码"
    return None, f"断面「{text}」未登记（可先用 qingshan water sections 登记，或导入时加 --register-sections）"


def _fail(store: WaterStore, result: WaterImportResult, reason: str) -> WaterImportFailed:
    result.status = "failed"
    result.values_written = result.values_new = result.values_replaced = result.values_unchanged = 0
    result.sections_registered = 0
    if not any(e.reason == reason for e in result.errors):
        result.errors.append(RowError(result.path.name, None, None, reason))
    try:
        with store.engine.begin() as conn:
            batch = store.new_batch(conn, kind=result.kind, file_name=str(result.path), sha256=result.sha256,
                                    encoding=result.encoding)
            store.add_errors(conn, batch, (e.as_dict() for e in result.errors))
            store.finish_batch(conn, batch, status="failed", rows_read=result.rows_read)
            result.batch_id = batch
    except Exception:  # noqa: BLE001 - the database is gone; the raised error still tells the user
        result.batch_id = None
    return WaterImportFailed(result, reason)


def _commit(
    store: WaterStore,
    result: WaterImportResult,
    *,
    observations: pl.DataFrame,
    source: str,
    new_sections: list[dict] | None = None,
    published: pl.DataFrame | None = None,
) -> WaterImportResult:
    try:
        with store.engine.begin() as conn:
            result.previous_batch = store.find_batch(conn, result.sha256) if result.sha256 else None
            batch = store.new_batch(conn, kind=result.kind, file_name=str(result.path), sha256=result.sha256,
                                    encoding=result.encoding)
            result.batch_id = batch
            if new_sections:
                conn.execute(insert(Section.__table__), new_sections)
                result.sections_registered = len(new_sections)
            counts = store.write_observations(observations, source=source, batch_id=batch, conn=conn)
            result.values_written, result.values_new = counts.written, counts.new
            result.values_replaced, result.values_unchanged = counts.replaced, counts.unchanged
            if published is not None and not published.is_empty():
                store.write_published(published, source=source, batch_id=batch, conn=conn)
            store.add_errors(conn, batch, (e.as_dict() for e in result.errors))
            store.finish_batch(conn, batch, status="ok", rows_read=result.rows_read, rows_kept=result.rows_kept,
                               rows_rejected=result.rows_rejected, values_written=result.values_written)
    except Exception as exc:  # roll back everything of this file, then say so
        raise _fail(store, result, f"写入数据库失败，本文件未导入任何数据：{type(exc).__name__}: {exc}") from exc
    return result


def _obs_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=WRITE_SCHEMA, orient="row") if rows else pl.DataFrame(schema=WRITE_SCHEMA)


def import_cnemc(
    path: str | Path,
    store: WaterStore | None = None,
    *,
    year: int | None = None,
    register_sections: bool = False,
    url: str | None = None,
) -> WaterImportResult:
    """Validate and import one CNEMC surface-water file (see :mod:`qingshan.water.cnemc`)."""
    own = store is None
    store = store or WaterStore(url)
    path = Path(path)
    result = WaterImportResult(path=path, kind="cnemc")
    try:
        data = path.read_bytes()
        result.sha256 = sha256_of(data)
        try:
            f = cnemc_mod.read_cnemc(path, data, year=year)
        except FileRefused as exc:
            result.encoding = exc.encoding
            result.errors.append(exc.error)
            raise _fail(store, result, exc.error.reason) from None
        result.encoding = f.encoding
        result.rows_read = len(f.rows)
        errors = list(f.errors)
        rejected = {r.row for r in f.rows if not r.importable}
        codes, names = _registry_index(store)
        new_sections: dict[str, dict] = {}
        seen: dict[tuple[str, object], tuple[int, tuple]] = {}
        groups: dict[tuple[str, object], list[int]] = {}
        conflicts: set[tuple[str, object]] = set()
        good: list[tuple[cnemc_mod.CnemcRow, str]] = []
        for r in f.rows:
            if not r.importable:
                continue
            code, why = _resolve(r.section, r.basin, codes, names, by_code=False)
            if code is None and register_sections and why and "未登记" in why:
                code = r.section if r.section not in codes and r.section not in new_sections else f"{r.section}-{r.province}"
                if code not in new_sections and code not in codes:
                    new_sections[code] = {"code": code[:32], "name": r.section, "basin": r.basin or None,
                                          "water_body": "river", "active": True, "demo": False,
                                          "notes": f"由 CNEMC 文件 {f.name} 自动登记（{r.province}）"}
                names.setdefault(r.section, []).append((code, r.basin or None))
                why = None
            if code is None:
                errors.append(RowError(f.name, r.row, "断面名称", why or "断面未登记"))
                rejected.add(r.row)
                continue
            key = (code, r.time)
            content = (tuple(sorted(r.values.items())), r.published_class)
            if key in seen:
                groups[key].append(r.row)
                first_row, first_content = seen[key]
                if content == first_content and key not in conflicts:
                    errors.append(RowError(f.name, r.row, None, f"与第 {first_row} 行重复（同一断面同一时间，内容相同），已跳过"))
                    rejected.add(r.row)
                else:
                    conflicts.add(key)
                continue
            seen[key] = (r.row, content)
            groups[key] = [r.row]
            good.append((r, code))
        for key in conflicts:
            listed = "、".join(str(x) for x in groups[key])
            for x in groups[key]:
                errors[:] = [e for e in errors if not (e.row == x and "重复" in e.reason)]
                errors.append(RowError(f.name, x, None,
                                       f"断面 {key[0]} 在 {key[1]:%Y-%m-%d %H:%M} 有多行且内容不同（第 {listed} 行），均未导入"))
                rejected.add(x)
        good = [(r, c) for r, c in good if r.row not in rejected]
        obs = [
            {"section_code": c, "time": r.time, "item": item, "value_nano": v, "nd": False, "dl_nano": None,
             "flag": None, "text": r.texts[item]}
            for r, c in good for item, v in r.values.items()
        ]
        pub = pl.DataFrame(
            [{"section_code": c, "time": r.time, "class": r.published_class} for r, c in good if r.class_text],
            schema={"section_code": pl.Utf8, "time": pl.Datetime("us"), "class": pl.Int64}, orient="row",
        )
        errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        result.errors = errors
        result.rows_rejected = len(rejected)
        result.rows_kept = len(good)
        used = {c for _r, c in good}
        return _commit(store, result, observations=_obs_frame(obs), source=cnemc_mod.SOURCE,
                       new_sections=[s for k, s in new_sections.items() if k in used], published=pub)
    finally:
        if own:
            store.close()


def import_lab(
    path: str | Path,
    store: WaterStore | None = None,
    *,
    sheet: str | None = None,
    url: str | None = None,
) -> WaterImportResult:
    """Validate and import one laboratory long table (see :mod:`qingshan.water.lab`)."""
    own = store is None
    store = store or WaterStore(url)
    path = Path(path)
    result = WaterImportResult(path=path, kind="lab")
    try:
        try:
            f = lab_mod.read_lab(path, path.read_bytes(), sheet=sheet)
        except FileRefused as exc:
            result.encoding = exc.encoding
            result.errors.append(exc.error)
            raise _fail(store, result, exc.error.reason) from None
        result.encoding, result.sha256, result.rows_read = f.encoding, f.sha256, f.rows_read
        errors = list(f.errors)
        rejected = set(f.rejected_rows)
        codes, names = _registry_index(store)
        resolved: list[lab_mod.LabValue] = []
        for v in f.values:
            code, why = _resolve(v.section, "", codes, names)
            if code is None:
                errors.append(RowError(f.name, v.row, "断面", why or "断面未登记"))
                rejected.add(v.row)
                continue
            v.section = code
            resolved.append(v)
        keep, dup_errors, dup_rows = lab_mod.dedupe(resolved, lambda v: (v.section, v.time, v.item), f.name)
        errors += dup_errors
        rejected |= dup_rows
        errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        result.errors = errors
        result.rows_rejected = len(rejected)
        result.rows_kept = result.rows_read - len(rejected)
        obs = [
            {"section_code": v.section, "time": v.time, "item": v.item, "value_nano": v.value_nano, "nd": v.nd,
             "dl_nano": v.dl_nano, "flag": v.flag, "text": v.text}
            for v in keep
        ]
        return _commit(store, result, observations=_obs_frame(obs), source=lab_mod.SOURCE)
    finally:
        if own:
            store.close()


def import_frame(
    observations: pl.DataFrame,
    store: WaterStore,
    *,
    source: str,
    kind: str,
    label: str,
    errors: list[RowError] | None = None,
) -> WaterImportResult:
    """Write already-mapped observations (:data:`qingshan.water.store.WRITE_SCHEMA`) as one batch.

    A row without a value (and not a non-detect with its limit), or with a negative value, is
    reported and not written; the others are."""
    f = observations.with_row_index("_i", offset=1)
    bad_mask = (
        (pl.col("value_nano").is_null() & ~pl.col("nd").fill_null(False))
        | (pl.col("nd").fill_null(False) & pl.col("dl_nano").is_null())
        | ((pl.col("value_nano") < 0) & (pl.col("item") != "wt")).fill_null(False)
    )
    bad = f.filter(bad_mask)
    errs = list(errors or []) + [
        RowError(label, int(i), str(item), f"断面 {sec} {t:%Y-%m-%d %H:%M} 的数值「{text or ''}」为空、为负或缺少检出限，未写入")
        for i, sec, t, item, text in bad.select("_i", "section_code", "time", "item", "text").iter_rows()
    ]
    good = f.filter(~bad_mask).drop("_i")
    result = WaterImportResult(path=Path(label), kind=kind, rows_read=observations.height, rows_kept=good.height,
                               rows_rejected=bad.height, errors=errs)
    return _commit(store, result, observations=good, source=source)
