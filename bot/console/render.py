"""Block Kit to terminal text: what a person would see in Slack, with numbered buttons to press.

Korean (and other wide) characters take two terminal columns; every padding and rule here counts
display columns, not characters, so tables and headers line up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WIDTH = 78
EMOJI = {
    "white_check_mark": "✅",
    "warning": "⚠️",
    "memo": "📝",
    "bell": "🔔",
    "hourglass": "⏳",
    "calendar": "📅",
    "speech_balloon": "💬",
    "checkered_flag": "🏁",
    "bar_chart": "📊",
    "zzz": "💤",
    "inbox_tray": "📥",
    "clipboard": "📋",
    "wave": "👋",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "leftwards_arrow_with_hook": "↩️",
    "alarm_clock": "⏰",
    "busts_in_silhouette": "👥",
    "heavy_minus_sign": "➖",
    "hourglass_flowing_sand": "⏳",
    "lock": "🔒",
    "new": "🆕",
    "palm_tree": "🌴",
    "point_right": "👉",
    "white_circle": "⚪",
    "arrows_counterclockwise": "🔄",
    "outbox_tray": "📤",
    "small_red_triangle_down": "🔻",
    "sunrise": "🌅",
    "unlock": "🔓",
    "pencil2": "✏️",
}
_TOKEN = re.compile(r"<([^<>]+)>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")


def width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(
        2 if unicodedata.east_asian_width(c) in ("W", "F") else 0 if unicodedata.combining(c) else 1 for c in text
    )


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def clip(text: str, columns: int) -> str:
    if width(text) <= columns:
        return text
    out, used = "", 0
    for char in text:
        w = width(char)
        if used + w > columns - 1:
            break
        out, used = out + char, used + w
    return out + "…"


@dataclass
class Control:
    """Something to press or choose: a button, or one option of a select."""

    number: int
    action_id: str
    block_id: str
    label: str
    value: str = ""
    style: str | None = None
    kind: str = "button"


@dataclass
class Controls:
    """Numbers every control shown since the screen was last cleared, so `:click N` finds it."""

    items: dict[int, tuple[Control, dict[str, Any]]] = field(default_factory=dict)

    def add(self, control: Control, where: dict[str, Any]) -> Control:
        control.number = len(self.items) + 1
        self.items[control.number] = (control, where)
        return control

    def clear(self) -> None:
        self.items.clear()


Names = Callable[[str], str]


def mrkdwn(text: str, names: Names = lambda uid: uid) -> str:
    """Slack mrkdwn as plain text: mentions as @name, links as their address, entities decoded."""

    def token(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            known = names(target[1:])
            return "@" + (known if known != target[1:] else label or known)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    text = _TOKEN.sub(token, text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"(?<!\*)\*([^*\n]+?)\*(?!\*)", r"\1", text)  # *bold* (Korean particles follow directly)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)  # _italic_
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, names: Names) -> str:
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn(raw, names) if obj.get("type") == "mrkdwn" else raw


def _button_line(control: Control) -> str:
    mark = {"primary": "*", "danger": "!"}.get(control.style or "", "")
    return f"[{control.number}] {control.label}{mark}"


def _element(element: dict[str, Any], block_id: str, controls: Controls, where: dict[str, Any], names: Names) -> str:
    kind = element.get("type")
    if kind == "button":
        control = controls.add(
            Control(
                0,
                str(element.get("action_id", "")),
                block_id,
                _text(element.get("text"), names),
                str(element.get("value", "")),
                element.get("style"),
            ),
            where,
        )
        return _button_line(control)
    if kind in ("static_select", "overflow"):
        label = _text(element.get("placeholder"), names) or "…"
        options = []
        for option in element.get("options", []):
            control = controls.add(
                Control(
                    0,
                    str(element.get("action_id", "")),
                    block_id,
                    _text(option.get("text"), names),
                    str(option.get("value", "")),
                    kind="select",
                ),
                where,
            )
            options.append(f"[{control.number}] {control.label}")
        return f"{label}: " + " ".join(options)
    return f"({kind})"


def blocks(
    items: list[dict[str, Any]], controls: Controls, where: dict[str, Any], names: Names, columns: int = WIDTH
) -> list[str]:
    """The lines of a message or view; buttons get numbers in `controls`."""
    lines: list[str] = []
    for block in items:
        kind = block.get("type")
        block_id = str(block.get("block_id", ""))
        if kind == "header":
            title = _text(block.get("text"), names)
            lines += [title, "═" * min(columns, max(4, width(title)))]
        elif kind == "section":
            if block.get("text"):
                lines += _text(block["text"], names).splitlines()
            fields = [_text(f, names).splitlines() for f in block.get("fields", [])]
            lines += _fields(fields, columns)
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"], block_id, controls, where, names))
        elif kind == "context":
            for element in block.get("elements", []):
                lines += ["  " + line for line in _text(element, names).splitlines()]
        elif kind == "divider":
            lines.append("─" * columns)
        elif kind == "actions":
            shown = [_element(e, block_id, controls, where, names) for e in block.get("elements", [])]
            lines.append("  " + "  ".join(shown))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"▸ {_text(block.get('label'), names)}{optional}")
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        else:
            lines.append(f"({kind})")
    return lines


def _fields(fields: list[list[str]], columns: int) -> list[str]:
    """Two fields a row, side by side, as Slack shows them."""
    lines: list[str] = []
    half = columns // 2
    for left, right in zip(fields[::2], [*fields[1::2], []], strict=False):
        for n in range(max(len(left), len(right))):
            a = clip(left[n], half - 2) if n < len(left) else ""
            b = clip(right[n], half - 2) if n < len(right) else ""
            lines.append((pad(a, half) + b).rstrip())
    return lines


def message(payload: dict[str, Any], controls: Controls, where: dict[str, Any], names: Names) -> list[str]:
    """A chat message: its blocks, or its text when it has none."""
    if payload.get("blocks"):
        return blocks(payload["blocks"], controls, where, names)
    return mrkdwn(str(payload.get("text", "")), names).splitlines()


def view(payload: dict[str, Any], controls: Controls, where: dict[str, Any], names: Names) -> list[str]:
    title = _text(payload.get("title"), names)
    lines = [f"┌ {title} ┐"] if title else []
    return lines + blocks(payload.get("blocks", []), controls, where, names)
