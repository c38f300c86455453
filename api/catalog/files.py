"""Catalog files: the rows of a CSV or XLSX file, checked through the item schema (the CLI and the admin page)."""
from __future__ import annotations

import csv
from pathlib import Path

from flask_babel import gettext as _
from marshmallow import ValidationError

SUFFIXES = (".csv", ".xlsx")
EXTRA = "(cells beyond the header)"


def _cells(header: list, values) -> dict:
    """{header: text} for the non-empty cells; cells under no header are collected under EXTRA."""
    row = {}
    for n, value in enumerate(values):
        if value is None or str(value).strip() == "":
            continue
        name = header[n] if n < len(header) and header[n] else EXTRA
        row[name] = value if isinstance(value, bool) else str(value).strip()
    return row


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(row number in the file, cells) for every non-blank row of a CSV or XLSX file after the header."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        numbered = enumerate(rows, start=2)
    elif path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
        header = [h.strip() for h in (lines[0] if lines else [])]
        numbered = enumerate(lines[1:], start=2)  # csv.reader keeps blank lines as []: numbers stay true
    else:
        raise ValueError("the file must be .csv or .xlsx")
    return [(number, cells) for number, values in numbered if (cells := _cells(header, values))]


def check_rows(rows, gettext=_) -> tuple[list[dict], list[dict]]:
    """Each row through the item schema: (valid items, problems as {row, field, message}).

    Every row is checked, so one answer names every problem; a caller imports only when there are none.
    `gettext` words the problems: the page's language by default; the command line, outside any
    request, passes its own.
    """
    from api.catalog.schemas import CatalogItemInSchema
    from api.errors import flatten

    schema = CatalogItemInSchema()
    valid, problems, seen = [], [], {}
    for number, row in rows:
        if EXTRA in row:
            problems.append({"row": number, "field": "", "message": gettext("More cells than headers.")})
            continue
        try:
            item = schema.load(row)
        except ValidationError as exc:
            problems.extend({"row": number, "field": field, "message": " ".join(msgs)}
                            for field, msgs in flatten(exc.messages).items())
            continue
        if item["sku"] in seen:
            problems.append({"row": number, "field": "sku",
                             "message": gettext("Repeats row %(row)s.", row=seen[item["sku"]])})
        seen[item["sku"]] = number
        valid.append(item)
    return valid, problems
