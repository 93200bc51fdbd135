"""A labelled data set read from CSV: raw string columns and a 0/1 bad flag per row."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scf_ledger.domain.errors import DomainError
from scf_ledger.domain.risk.config import ColumnSpec, FeatureValue

Value = FeatureValue | None  # None: the row has no value
NUMERIC_MAJORITY = 0.95  # a column this share of numbers is numeric: the rest are typing errors, not categories


class DatasetError(DomainError):
    """Raised when a data set cannot be used for fitting or validation; the message names the column or row."""


@dataclass(frozen=True)
class Dataset:
    name: str  # file name and SHA-256, recorded in a fitted scorecard
    columns: dict[str, list[str]]  # raw values, without the target
    bad: list[int]  # 1 for a bad outcome

    @property
    def rows(self) -> int:
        return len(self.bad)

    def subset(self, rows: Sequence[int]) -> Dataset:
        return Dataset(
            self.name, {c: [v[i] for i in rows] for c, v in self.columns.items()}, [self.bad[i] for i in rows]
        )


def load_dataset(path: str | Path, target: str, bad: str) -> Dataset:
    """Reads a CSV with a header; `target` is the outcome column and `bad` its value for a bad outcome."""
    path = Path(path)
    raw = _read(path)
    header, records = _records(path, raw, target)
    at = header.index(target)
    labels = [r[at] for r in records]
    classes = sorted(set(labels))
    if bad not in classes:
        raise DatasetError(f"{path}: target {target!r} has no value {bad!r} (values: {', '.join(classes[:10])})")
    if len(classes) < 2:
        raise DatasetError(f"{path}: target {target!r} has one class ({bad!r}); fitting needs goods and bads")
    columns = {h: [r[i] for r in records] for i, h in enumerate(header) if i != at}
    name = f"{path.name} sha256:{hashlib.sha256(raw).hexdigest()}"
    return Dataset(name, columns, [int(v == bad) for v in labels])


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None


def _records(path: Path, raw: bytes, target: str) -> tuple[list[str], list[list[str]]]:
    """The header and the non-empty rows, each as long as the header, values stripped."""
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not UTF-8 text") from None
    reader = csv.reader(lines)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DatasetError(f"{path}: empty file (a header line and labelled rows are needed)")
    header = [h.strip() for h in header]
    if target not in header:
        raise DatasetError(f"{path}: no target column {target!r} (columns: {', '.join(header)})")
    records = []
    for line_no, record in enumerate(reader, start=2):
        if not record:
            continue
        if len(record) != len(header):
            raise DatasetError(f"{path} row {line_no}: {len(record)} fields, the header has {len(header)}")
        records.append([v.strip() for v in record])
    if not records:
        raise DatasetError(f"{path}: no rows under the header")
    return header, records


def column_specs(dataset: Dataset, specs: list[ColumnSpec] | None) -> list[ColumnSpec]:
    """The given specs (each column must exist), or one automatic spec per column of the data set."""
    if specs is None:
        return [ColumnSpec(column=c) for c in dataset.columns]
    missing = [s.column for s in specs if s.column not in dataset.columns]
    if missing:
        raise DatasetError(
            f"{dataset.name.split()[0]}: no column {missing[0]!r} (columns: {', '.join(dataset.columns)})"
        )
    return specs


def feature_values(dataset: Dataset, spec: ColumnSpec) -> tuple[list[Value], bool]:
    """The column's values as the engine sees them (recoded by the spec) and whether the feature is numeric."""
    raw = dataset.columns[spec.column]
    recoded: list[FeatureValue | None] = [spec.values.get(v, v) if v != "" else None for v in raw]
    numbers: list[Value] = []
    failures: list[int] = []
    for i, value in enumerate(recoded):
        if value is None or isinstance(value, float | int):
            numbers.append(value)
            continue
        try:
            numbers.append(float(value))
        except ValueError:
            numbers.append(None)
            failures.append(i)
    present = sum(v is not None for v in recoded)
    numeric = spec.kind == "numeric" or (
        spec.kind == "auto" and present > 0 and len(failures) <= present * (1 - NUMERIC_MAJORITY)
    )
    if not numeric:
        return [None if v is None else str(v) for v in recoded], False
    if failures:
        first = failures[0]
        raise DatasetError(
            f"{dataset.name.split()[0]} row {first + 2}: column {spec.column!r} is numeric"
            f" but has {raw[first]!r} ({len(failures)} such row(s))"
        )
    return numbers, True
