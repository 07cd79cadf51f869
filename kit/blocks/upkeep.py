"""Block Kit for what the admins are told about the bot itself: notifications it gave up delivering."""

from __future__ import annotations

from typing import Any

from kit.blocks.common import Block, context, message, section
from kit.i18n import t
from kit.reader import Reader
from kit.text import Raw, escape, truncate
from services.outbox import DeadReport

ERRORS_SHOWN = 5


def dead_report(report: DeadReport, reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    errors = list(report.by_error.items())[:ERRORS_SHOWN]
    error_lines = "\n".join(f"• `{escape(truncate(error, 80))}` {count}" for error, count in errors)
    latest_lines = "\n".join(
        f"• {escape(m.kind)} → `{escape(m.recipient)}` · `{escape(truncate(m.error, 80))}`" for m in report.latest
    )
    blocks: list[Block] = [
        section(t("outbox.dead_title", locale, count=report.count)),
        section(t("outbox.dead_errors", locale, lines=Raw(error_lines))),
    ]
    if latest_lines:
        blocks.append(section(t("outbox.dead_latest", locale, lines=Raw(latest_lines))))
    blocks.append(context(t("outbox.dead_hint", locale)))
    return message(t("outbox.dead_text", locale, plain=True, count=report.count), blocks)
