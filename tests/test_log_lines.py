"""The worker's log line, made the short way, reads and behaves as `logger.info` would make it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from taskhawk.consume.outcomes import Outcome, TaskResult, log_result
from taskhawk.log_records import CallSite
from taskhawk.logs import JsonFormatter, KeyValueFormatter, LineHandler

FIELDS = {"queue": "TASKHAWK-Q", "transport_id": "m-1", "receive_count": 1, "task": "t.run"}
# Set from each record's own time, thread and process, so only their types can be compared.
_PER_RECORD = {"created", "msecs", "relativeCreated"}


@pytest.fixture
def captured() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("taskhawk.consumer")
    handler = Keep()
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def _where() -> None:
    """The function the call site's records name as their caller."""


def test_a_call_site_record_has_the_attributes_and_values_of_a_standard_one() -> None:
    logger = logging.getLogger("taskhawk.tests.site")
    site = CallSite(logger, logging.INFO, _where)
    code = _where.__code__
    usual = logger.makeRecord(
        logger.name, logging.INFO, code.co_filename, code.co_firstlineno, "m %s", ("a",), None,
        "_where",
    )  # fmt: skip
    ours = site._copied("m %s", ("a",))
    assert vars(ours).keys() == vars(usual).keys()
    for name, value in vars(usual).items():
        if name in _PER_RECORD:
            assert type(vars(ours)[name]) is type(value)
        else:
            assert vars(ours)[name] == value, name
    assert ours.getMessage() == "m a"


def test_outcome_lines_carry_their_fields_and_name_log_result(
    captured: list[logging.LogRecord],
) -> None:
    log_result(TaskResult(Outcome.SUCCEEDED, 0.25), FIELDS, next_step="")
    (record,) = captured
    assert record.getMessage() == "task succeeded: t.run in 0.250s"
    assert (record.funcName, record.levelno, record.name) == (
        "log_result", logging.INFO, "taskhawk.consumer",
    )  # fmt: skip
    assert record.filename == "outcomes.py"
    assert (record.queue, record.outcome, record.duration_s) == ("TASKHAWK-Q", "succeeded", 0.25)  # type: ignore[attr-defined]


def test_a_record_factory_of_the_user_makes_every_outcome_record(
    captured: list[logging.LogRecord],
) -> None:
    made: list[str] = []
    standard = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = standard(*args, **kwargs)  # type: ignore[arg-type]
        made.append(record.getMessage())
        record.tenant = "acme"  # type: ignore[attr-defined]
        return record

    logging.setLogRecordFactory(factory)
    try:
        log_result(TaskResult(Outcome.IGNORED, 0.0, ValueError("stale")), FIELDS, next_step="")
    finally:
        logging.setLogRecordFactory(standard)
    assert made == ["task ignored: t.run (stale)"]
    assert captured[0].tenant == "acme"  # type: ignore[attr-defined]


def test_filters_and_levels_still_decide(captured: list[logging.LogRecord]) -> None:
    logger = logging.getLogger("taskhawk.consumer")
    dropping = logging.Filter("somewhere.else")
    logger.addFilter(dropping)
    try:
        log_result(TaskResult(Outcome.SUCCEEDED, 0.0), FIELDS, next_step="")
    finally:
        logger.removeFilter(dropping)
    logger.setLevel(logging.WARNING)
    log_result(TaskResult(Outcome.SUCCEEDED, 0.0), FIELDS, next_step="")
    assert captured == []


def test_an_extra_field_named_like_a_record_attribute_is_refused_as_logging_refuses_it() -> None:
    site = CallSite(logging.getLogger("taskhawk.tests.site"), logging.WARNING, _where)
    with pytest.raises(KeyError, match="lineno"):
        site.log("m", (), {"lineno": 3})
    with pytest.raises(KeyError, match="message"):
        site.log("m", (), {"message": "x"})


def test_the_line_handler_writes_what_stream_handler_writes() -> None:
    formatter = KeyValueFormatter("%(levelname)s %(name)s: %(message)s")
    ours, usual = io.StringIO(), io.StringIO()
    line_handler, stream_handler = LineHandler(ours), logging.StreamHandler(usual)
    for handler in (line_handler, stream_handler):
        handler.setFormatter(formatter)
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        failed = logging.makeLogRecord(
            {"msg": "task failed", "levelname": "ERROR", "exc_info": (RuntimeError, error, None)}
        )
    plain = {"msg": "m %s", "args": ("a",), "task": "t b", "levelname": "INFO", "name": "w"}
    records = [logging.makeLogRecord(plain), failed]
    for record in records:
        line_handler.handle(record)
        stream_handler.handle(record)
    assert ours.getvalue() == usual.getvalue()
    lines = ours.getvalue().splitlines()
    assert lines[0] == "INFO w: m a | task='t b'"
    assert lines[-1] == "RuntimeError: boom"


def test_key_value_lines_of_records_with_other_fields_keep_their_own_fields() -> None:
    formatter = KeyValueFormatter("%(message)s")
    first = logging.makeLogRecord({"msg": "a", "task": "t", "queue": "q"})
    second = logging.makeLogRecord({"msg": "b", "queue": "q", "extra_lineno": 4})
    third = logging.makeLogRecord({"msg": "c", "task": "u", "queue": "r"})
    assert [formatter.format(r) for r in (first, second, third)] == [
        "a | task=t queue=q", "b | queue=q extra_lineno=4", "c | task=u queue=r",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "text"),
    [("plain", "plain"), ("two words", "'two words'"), ("tab\there", "'tab\\there'"),
     ("nb\u00a0sp", "'nb\\xa0sp'"), ("", "''"), ("é", "é")],
)  # fmt: skip
def test_values_with_whitespace_are_quoted(value: str, text: str) -> None:
    record = logging.makeLogRecord({"msg": "m", "field": value})
    assert KeyValueFormatter("%(message)s").format(record) == f"m | field={text}"


def test_a_call_site_made_under_a_user_factory_never_calls_it_for_its_own_use() -> None:
    calls: list[str] = []
    standard = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        calls.append("made")
        return standard(*args, **kwargs)  # type: ignore[arg-type]

    logging.setLogRecordFactory(factory)
    try:
        site = CallSite(logging.getLogger("taskhawk.tests.site"), logging.INFO, _where)
    finally:
        logging.setLogRecordFactory(standard)
    assert calls == []
    assert vars(site._copied("m", ())).keys() == vars(logging.makeLogRecord({})).keys()


def test_json_time_is_rfc3339_utc_with_milliseconds() -> None:
    """Log shippers parse RFC 3339; the text format's local `2026-12-07 02:39:33,556` has no
    offset and a comma. The second is cached per formatter, so two records check both paths."""
    formatter = JsonFormatter()
    first = logging.makeLogRecord({"msg": "m", "created": 1796611173.556789, "msecs": 556.789})
    later = logging.makeLogRecord({"msg": "m", "created": 1796611173.9, "msecs": 900.0})
    times = [json.loads(formatter.format(record))["time"] for record in (first, later)]
    assert times == ["2026-12-07T02:39:33.556Z", "2026-12-07T02:39:33.900Z"]
