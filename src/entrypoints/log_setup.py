"""Logging: structlog over the standard library, so every line comes out one way.

The service's own lines (structlog loggers) and everyone else's (uvicorn,
SQLAlchemy, Alembic: standard-library loggers) go through one structlog
`ProcessorFormatter` on one stderr handler: JSON objects, one a line, in
production; readable colored lines on a terminal. Every line written while a
request is handled carries that request's `request_id`, and its `account_id`
once the request is authenticated (bound with
`structlog.contextvars.bind_contextvars(account_id=...)`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Final, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

LogFormat = Literal["auto", "console", "json"]

NO_REQUEST: Final = "-"
request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
"""The id of the request being handled by the current task, or "-" outside requests."""

ACCOUNT_ID: Final = "account_id"
"""The context key the authentication dependency binds the caller's account id to."""


def add_request_id(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    rid = request_id.get()
    if rid != NO_REQUEST:
        event.setdefault("request_id", rid)
    return event


# Run on every line, ours at the call and the standard library's at formatting
# time: both in the thread, and so in the context, that logged it.
_SHARED: Final[list[Processor]] = [
    add_request_id,
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class FastLogger:
    """A structlog-formatted logger for a line written on every request: the access line.

    The line is the one a structlog logger writes (same processors, same
    formatter, same stream), without the generic machinery around them. When
    every handler the line reaches is a plain stream handler with the service's
    formatter (as `logging_config` sets up), the rendered line is written to
    each stream directly: no bound-logger proxying, no `LogRecord`, no search
    of the stack for a caller's file and line that nothing prints, no handler
    dispatch. Any other handler (a test's capture, an operator's own) gets the
    line as a record, the usual way.

    With `at_end_of_turn` (the served app's worker sets it: its loop lives as
    long as the process), a line is finished and written at the end of the
    loop's turn, together with the others of that turn: one write for them all,
    and the processors and the renderer run one line after another rather than
    each amid a request's work (~15 µs a request less, of ~40). The processors
    run in the context the line was logged in, so it carries that request's id
    and account; its timestamp is when it is written, within the same turn.
    Without it (an app run by a test's short-lived loops, say), a line is
    written as it is logged, while the handlers it was logged under are there.
    """

    def __init__(self, name: str, *, at_end_of_turn: bool = False) -> None:
        self._logger = logging.getLogger(name)
        self.at_end_of_turn = at_end_of_turn
        self._pending: list[tuple[EventDict, contextvars.Context]] = []
        self._due: asyncio.AbstractEventLoop | None = None
        """The loop whose turn ends with a flush: a loop closed before its turn ended
        (a test's) cannot hold back the lines of the next."""
        atexit.register(self.flush)

    def info(self, event: str, **fields: Any) -> None:
        if not self._logger.isEnabledFor(logging.INFO):
            return
        event_dict: EventDict = {**fields, "event": event}  # in the order structlog gives
        try:
            loop = asyncio.get_running_loop() if self.at_end_of_turn else None
        except RuntimeError:  # no loop: no turn to wait for
            loop = None
        if loop is None:
            self.flush()  # what waits was logged first
            self._write([self._finished(event_dict)])
            return
        self._pending.append((event_dict, contextvars.copy_context()))
        if self._due is not loop:
            self._due = loop
            loop.call_soon(self._flush_at_end_of_turn)

    def _flush_at_end_of_turn(self) -> None:
        self._due = None
        self.flush()

    def flush(self) -> None:
        """Finish and write every line logged and not yet written."""
        pending, self._pending = self._pending, []
        if pending:
            self._write(
                [context.run(self._finished, event_dict) for event_dict, context in pending]
            )

    def _write(self, finished: list[EventDict]) -> None:
        """Write finished lines: to plain streams directly, to any other handler as records."""
        logger = self._logger
        streams = _plain_streams(logger)
        if streams is None:
            for event_dict in finished:
                logger.handle(self._record(event_dict))
            return
        for handler, formatter in streams:
            try:
                text = "".join(
                    formatter.line(logger, event_dict) + handler.terminator
                    for event_dict in finished
                )
                with handler.lock:  # type: ignore[union-attr]  # Handler.__init__ creates it
                    handler.stream.write(text)
                    handler.flush()
            except Exception:
                handler.handleError(self._record(finished[0]))

    def _finished(self, event_dict: EventDict) -> EventDict:
        """The event dict through the shared processors, in the current context."""
        logger = self._logger
        for processor in _SHARED:
            event_dict = processor(logger, "info", event_dict)  # type: ignore[assignment]  # structlog types a processor's result as any of Mapping, str, bytes; the shared ones give a dict
        return event_dict

    def _record(self, event_dict: EventDict) -> logging.LogRecord:
        logger = self._logger
        record = logging.LogRecord(logger.name, logging.INFO, "", 0, event_dict, None, None)
        # What structlog's `wrap_for_formatter` attaches: the formatter renders the
        # event dict as a structlog line rather than as a foreign one.
        record._logger = logger
        record._name = "info"
        setattr(record, _FAST, True)  # `_Formatter` may render it the short way
        return record


def _plain_streams(
    logger: logging.Logger,
) -> list[tuple[logging.StreamHandler[Any], _Formatter]] | None:
    """The handlers an INFO line of `logger` reaches, if each is a plain stream handler
    with the service's formatter and no filter stands in the way; None otherwise."""
    streams: list[tuple[logging.StreamHandler[Any], _Formatter]] = []
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters or current.disabled:
            return None
        for handler in current.handlers:
            formatter = handler.formatter
            if (
                type(handler) is not logging.StreamHandler
                or not isinstance(formatter, _Formatter)
                or handler.filters
                or handler.level > logging.INFO
            ):
                return None
            streams.append((handler, formatter))
        current = current.parent if current.propagate else None
    return streams


def resolve(log_format: LogFormat) -> Literal["console", "json"]:
    """`auto` is JSON unless stderr is a terminal, where a person reads it."""
    if log_format == "auto":
        return "console" if sys.stderr.isatty() else "json"
    return log_format


def formatter(renderer: Literal["console", "json"]) -> logging.Formatter:
    """The formatter of the service's handler; `dictConfig` calls it in every process
    that configures logging (uvicorn's workers too), so it configures structlog as well."""
    _configure_structlog()
    last: list[Processor]
    if renderer == "json":
        last = [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_json_line),
        ]
    else:
        # A plain traceback: rich's would print every frame's local variables,
        # passwords and tokens among them.
        last = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        ]
    return _Formatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *last],
        # A complete event dict, with no exception and no record attached, needs the
        # JSON renderer alone: the processors before it would change nothing.
        short=_JSON.encode if renderer == "json" else None,
    )


def _json_value(value: Any) -> Any:
    """What structlog's JSON renderer writes for a value JSON has no type for."""
    try:
        return value.__structlog__()
    except AttributeError:
        return repr(value)


_JSON: Final = json.JSONEncoder(default=_json_value)
"""Made once: `json.dumps(..., default=...)`, as structlog calls it, builds an encoder a line."""


def _json_line(event_dict: EventDict, **_settings: Any) -> str:
    """The JSON renderer's serializer: `json.dumps` with the encoder made once."""
    return _JSON.encode(event_dict)


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, with a short way for the lines of `FastLogger`.

    Their records carry a complete event dict and nothing for the standard
    library to add (no arguments, exception or stack): the formatter's final
    processors alone give the line, without the copy of the record and the
    standard library's formatting pass that the general way makes.
    """

    def format(self, record: logging.LogRecord) -> str:
        if not getattr(record, _FAST, False):
            return super().format(record)
        return self.line(record._logger, record.msg)  # type: ignore[attr-defined, arg-type]  # structlog sets _logger on the record, and its msg is the event dict; logging declares neither

    def __init__(self, *args: Any, short: Callable[[EventDict], str] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._short = short

    def line(self, logger: logging.Logger, event_dict: EventDict) -> str:
        """The line for a complete event dict: the formatter's final processors alone."""
        if self._short is not None:
            return self._short(event_dict)
        rendered: Any = {**event_dict, "_record": None, "_from_structlog": True}
        for processor in self.processors:
            rendered = processor(logger, "info", rendered)
        line: str = rendered
        return line


_FAST: Final = "_fast_line"


def _configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(level: str, log_format: LogFormat = "auto") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the service and for uvicorn's workers."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {"()": f"{__name__}.formatter", "renderer": resolve(log_format)}
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "structured",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            # Uvicorn logs through the root handler; its access log is replaced by
            # the service's own, which knows the route template and the request id.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            "alembic": {"level": "INFO"},
        },
    }
