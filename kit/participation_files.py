"""The participation table as files: the same header, rows and names for `/report participation` (uploaded to
the person's DM) and `onnuri report participation` (written to disk), so the two never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.blocks.reports import describe
from kit.i18n import t
from services import exports
from services.ledger import Month, PersonMonth


def table(records: Sequence[PersonMonth], locale: str) -> tuple[list[str], list[list[object]]]:
    header = [t(f"report.column.{c}", locale, plain=True) for c in exports.PARTICIPATION_COLUMNS]
    return header, exports.participation_rows(records, lambda c: describe(c, locale, plain=True))


def stem(month: Month, keys: Sequence[str] | None) -> str:
    """participation-2026-11, -ATOPY for one project, -led for a lead's several."""
    if keys is None:
        return f"participation-{month}"
    return f"participation-{month}-{keys[0] if len(keys) == 1 else 'led'}"


def encode(records: Sequence[PersonMonth], month: Month, locale: str, file_format: str) -> bytes:
    header, rows = table(records, locale)
    return exports.to_csv(header, rows) if file_format == "csv" else exports.to_xlsx(header, rows, str(month))


def uploads(
    records: Sequence[PersonMonth], month: Month, keys: Sequence[str] | None, locale: str
) -> list[dict[str, Any]]:
    """Both formats, as files_upload_v2's file_uploads."""
    name = stem(month, keys)
    return [
        {"content": encode(records, month, locale, fmt), "filename": f"{name}.{fmt}", "title": f"{name}.{fmt}"}
        for fmt in ("csv", "xlsx")
    ]


def scope(keys: Sequence[str] | None, locale: str) -> str:
    """Whose participation the files hold, said after the month (nothing for the whole organisation)."""
    if keys is None:
        return ""
    if len(keys) == 1:
        return t("report.scope_project", locale, plain=True, key=keys[0])
    return t("report.scope_led", locale, plain=True, keys=", ".join(keys[:10]))
