"""Logging for every entry point: nothing a person typed reaches a log line, at any level.

The libraries at the edges log what they receive and send: Bolt logs the whole body of a
request whose signature fails (at INFO), slack_sdk logs every Web API request and response
(at DEBUG, e.g. views.open with the pupils' names), the Teams SDK and httpx log activities and
URLs, SQLAlchemy logs statements with their parameters, uvicorn logs request lines. So, in one
place, `setup()`:

- lowers those loggers to WARNING whatever MELDEFRA_LOG_LEVEL says, and
- puts `PrivacyFilter` on the one handler, which drops their records below WARNING (a library
  may raise its own level again: the Teams SDK sets httpx's level when it makes a client) and
  redacts their warnings and errors: first line only, without quoted strings, {…}/[…] groups or
  URL-encoded runs, at most 200 characters.
- Every traceback, ours too, keeps its frames and exception types but its messages are
  redacted the same way (a database error carries the SQL parameters, a Slack API error the
  response body). Exceptions passed as arguments to our own messages are redacted too.

Our own loggers (`meldefra.*`) log refs, ids, counts and error codes, never free text.
MELDEFRA_LOG_FORMAT=json writes one JSON object per line (time, level, logger, message and
`case` when the record names one) for a log collector.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, TypeAlias

# Loggers of the libraries that see request and API bodies, SQL parameters or URLs.
LIBRARIES = (
    "meldefra.slack.bolt",  # Bolt's logger, as bot/slack/app.py names it
    "slack_bolt",
    "slack_sdk",
    "slack",
    "microsoft_teams",
    "msgraph",
    "kiota_http",
    "kiota_abstractions",
    "azure",
    "httpx",
    "httpcore",
    "urllib3",
    "websocket",
    "aiohttp",
    "uvicorn",
    "starlette",
    "h11",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "fpdf",
    "fontTools",
)
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_REDACTED = 200
CASE_REF = re.compile(r"\bMF-\d{4,}\b")

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_ENCODED = re.compile(r"\S*%[0-9A-Fa-f]{2}\S*")
_INNERMOST = re.compile(r"\{[^{}\[\]]*\}|\[[^{}\[\]]*\]")


def redact(text: str) -> str:
    """What may be kept of a library's message or an exception's text."""
    line = text.strip().split("\n", 1)[0]
    line = _QUOTED.sub("'…'", line)
    line = _ENCODED.sub("…", line)
    while True:  # innermost groups first, so nested dicts and lists collapse to one mark
        shorter = _INNERMOST.sub("…", line)
        if shorter == line:
            break
        line = shorter
    cut = min((i for i in (line.find("{"), line.find("[")) if i >= 0), default=-1)
    if cut >= 0:  # an unbalanced group: whatever follows is a body
        line = line[:cut] + "…"
    return line if len(line) <= MAX_REDACTED else line[:MAX_REDACTED] + "…"


def safe_traceback(exc_info: ExcInfo) -> str:
    """The traceback's frames and exception types; every exception's message redacted."""
    chain: list[BaseException] = []
    exc: BaseException | None = exc_info[1]
    while exc is not None and all(exc is not seen for seen in chain):
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    lines = ["Traceback (most recent call last):\n"]
    for position, exc in enumerate(reversed(chain)):
        if position:
            lines.append("\nThen:\n")
        lines.extend(traceback.format_tb(exc.__traceback__))
        kind = type(exc)
        lines.append(f"{kind.__module__}.{kind.__qualname__}: {redact(str(exc))}")
    return "".join(lines).rstrip("\n")


def is_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


class PrivacyFilter(logging.Filter):
    """Drops the libraries' debug and info records and redacts what else could carry text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_meldefra_safe", False):
            return True  # already made safe (a record passes every handler)
        if is_library(record.name):
            if record.levelno < logging.WARNING:
                return False
            record.msg = redact(_message(record))
            record.args = None
        elif record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(str(a)) if isinstance(a, BaseException) else a for a in args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info)  # type: ignore[arg-type]
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.stack_info = None
        record._meldefra_safe = True
        return True


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: keep the template only
        return str(record.msg)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, case, exc."""

    def format(self, record: logging.LogRecord) -> str:
        message = _message(record)
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        case = getattr(record, "case", None)
        if case is None:
            found = CASE_REF.search(message)
            case = found.group(0) if found else None
        if case is not None:
            line["case"] = str(case)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (as logging's last resort does), so a
    command run in-process (tests, a shell that swaps stderr) never writes to a closed stream."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr


def setup(level: str = "INFO", fmt: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """Configure the root logger for a process (CLI, server, delivery process); idempotent.

    Returns the handler, so a test can detach it."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_meldefra", False):
            root.removeHandler(old)
    handler: logging.StreamHandler[IO[str]] = (
        logging.StreamHandler(stream) if stream is not None else _Stderr()
    )
    handler._meldefra = True  # type: ignore[attr-defined]
    handler.addFilter(PrivacyFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(logging.WARNING)
        # uvicorn and others may bring their own handlers: everything goes through ours.
        library.handlers.clear()
        library.propagate = True
    return handler
