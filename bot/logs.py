"""Logging that cannot leak a secret: tokens, the signing secret, response URLs and file upload URLs are masked."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

_TOKEN = re.compile(r"\bx(?:ox[abpeor]|app)-[A-Za-z0-9-]+")
_RESPONSE_URL = re.compile(r"https?://[^\s\"']*/(?:commands|actions|response)/[^\s\"']+")
# Slack's legacy verification token sits in every payload's "token" field.
_PAYLOAD_TOKEN = re.compile(r"(\btoken[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9_-]{8,}")
# The same URL inside a form body or JSON, possibly percent-encoded.
_RESPONSE_URL_FIELD = re.compile(r"(response_url[\"']?\s*[:=]\s*[\"']?)[^&\s\"',}]+")
# A file upload URL (files.getUploadURLExternal) lets anyone holding it write the file: as secret as a token.
_UPLOAD_URL = re.compile(r"https?://[^\s\"']*/upload/[^\s\"']+")
_UPLOAD_URL_FIELD = re.compile(r"(upload_url[\"']?\s*[:=]\s*[\"']?)[^&\s\"',}]+")


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def redact(self, text: str) -> str:
        if "%" in text:  # a form body in the log: secrets there are percent-encoded
            decoded = unquote_plus(text)
            if decoded != text and self.redact(decoded) != decoded:
                text = decoded
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        text = _TOKEN.sub("[token]", text)
        text = _PAYLOAD_TOKEN.sub(r"\1[token]", text)
        text = _RESPONSE_URL.sub("[response_url]", text)
        text = _UPLOAD_URL.sub("[upload_url]", text)
        text = _UPLOAD_URL_FIELD.sub(r"\1[upload_url]", text)
        return _RESPONSE_URL_FIELD.sub(r"\1[response_url]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


def _redact_at_creation(redactor: RedactingFilter) -> None:
    """Every record is redacted as it is made, so no handler anywhere (added later, on any logger) sees
    a secret; the handler filters below stay as a second line."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "onnuri_redacts", False):
        previous = previous.onnuri_previous  # type: ignore[attr-defined]

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    factory.onnuri_redacts = True  # type: ignore[attr-defined]
    factory.onnuri_previous = previous  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure(level: str = "INFO", secrets: tuple[str, ...] = ()) -> RedactingFilter:
    """Root logging with the redacting filter on every handler, so library loggers are covered too."""
    redactor = RedactingFilter(secrets)
    _redact_at_creation(redactor)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return redactor
