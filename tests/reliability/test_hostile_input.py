"""Hostile input through the real `taskhawk worker` and through the Lambda handler (SQS and SNS
events): the consumer never crashes, every hostile message ends in the DLQ with its reason (or,
for SNS, is named in the error), no attack runs or imports anything, and every good message
interleaved with them runs exactly once."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from taskhawk import process_messages_for_lambda_consumer
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.lambda_handler import LambdaRecordsFailed
from tests.conftest import ACCOUNT_ID, REGION, SECRET_KEY, boto_client
from tests.reliability.conftest import (
    Rig,
    RunLog,
    settle,
    take_all,
    unexpected_tracebacks,
)
from tests.reliability.hostile_cases import (
    CANARY_MARK,
    PWNED,
    Case,
    good_body,
    hostile_cases,
    sqs_text,
)
from tests.reliability.tasks import EVENTS
from tests.support.figures import record_figures
from tests.support.hostile import corpus

pytestmark = pytest.mark.integration

GOOD_EVERY = 3  # one good message after every three hostile ones
REASONS = ("invalid message: ", "unknown task: ", "SNS notification envelope")
# (body, attributes, is it a good one); every other good one carries a forged taskhawk_task
# attribute, which must not change which task runs.
Outgoing = tuple[str, dict[str, str], bool]


def interleave(cases: Sequence[Case], texts: Sequence[str]) -> tuple[list[Outgoing], int]:
    """Hostile bodies with a good one after every GOOD_EVERY; (messages, number of goods)."""
    out: list[Outgoing] = []
    goods = 0
    for index, (case, text) in enumerate(zip(cases, texts, strict=True)):
        out.append((text, dict(case.attributes), False))
        if index % GOOD_EVERY == GOOD_EVERY - 1:
            forged = {"taskhawk_task": "os.system"} if goods % 2 else {}
            out.append((good_body(goods), forged, True))
            goods += 1
    return out, goods


def rounds(messages: Sequence[Outgoing]) -> Iterator[list[Outgoing]]:
    """Batches of up to ten; a body over 200 KB goes alone (SQS's 1 MiB batch payload)."""
    batch: list[Outgoing] = []
    for message in messages:
        if len(message[0]) > 200_000:
            yield [message]
            continue
        batch.append(message)
        if len(batch) == 10:
            yield batch
            batch = []
    if batch:
        yield batch


def check_dead_letters(dead: list[dict[str, Any]], expected: Counter[str]) -> Counter[str]:
    """Every hostile body exactly once, each with a real reason; the reasons' kinds."""
    assert Counter(m["Body"] for m in dead) == expected
    kinds: Counter[str] = Counter()
    for message in dead:
        attributes = message.get("MessageAttributes", {})
        assert len(attributes) <= 10
        assert REASON_ATTRIBUTE in attributes, (message["Body"][:200], sorted(attributes))
        reason = attributes[REASON_ATTRIBUTE]["StringValue"]
        kind = next((k for k in REASONS if reason.startswith(k)), None)
        assert kind is not None, reason
        kinds[kind.strip(": ")] += 1
    return kinds


def test_hostile_bodies_through_the_worker_end_in_the_dlq_and_goods_all_run(rig: Rig) -> None:
    cases = [case for case in hostile_cases(rig.state) if sqs_text(case.body) is not None]
    texts = [sqs_text(case.body) or "" for case in cases]
    messages, goods = interleave(cases, texts)
    worker = rig.start_worker("--processes", "2", "--num-messages", "10")
    worker.wait_listening(consumers=2)
    sqs = boto_client("sqs", rig.endpoint)
    main, dlq = rig.urls[rig.main], rig.urls[rig.dlq]
    runs = RunLog(rig.state / EVENTS)
    dead: list[dict[str, Any]] = []
    started = time.monotonic()
    for round_index, batch in enumerate(rounds(messages)):
        settle(lambda: rig.counts(rig.main)[0] < 30, "the worker to keep up", timeout=60)
        response = sqs.send_message_batch(
            QueueUrl=main,
            Entries=[
                {
                    "Id": str(index),
                    "MessageBody": body,
                    "MessageAttributes": {
                        k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                    },
                }
                for index, (body, attributes, _) in enumerate(batch)
            ],
        )
        assert not response.get("Failed"), response["Failed"]
        if round_index % 5 == 4:
            dead += take_all(rig.endpoint, dlq, attempts=1)  # keep the DLQ shallow

    def finished() -> bool:
        dead.extend(take_all(rig.endpoint, dlq, attempts=1))
        return len(runs.update()) == goods and len(dead) >= len(cases)

    try:
        settle(finished, f"{goods} goods to run and {len(cases)} dead letters", timeout=60)
    except AssertionError as error:
        missing = Counter(texts) - Counter(m["Body"] for m in dead)
        names = [case.name for case, text in zip(cases, texts, strict=True) if text in missing]
        raise AssertionError(
            f"{error}: {len(runs.runs)} goods ran, {len(dead)} dead letters; missing {names}; "
            f"queue {rig.counts(rig.main)}\n{worker.log[-3000:]}"
        ) from None
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to empty", timeout=30)
    seconds = time.monotonic() - started
    exit_code = worker.stop()
    dead += take_all(rig.endpoint, dlq)

    log = worker.log
    ran = runs.update()
    figures: dict[str, Any] = {
        "hostile_messages": len(cases),
        "hypothesis_examples": sum(case.name.startswith("hypothesis:") for case in cases),
        "good_messages": goods,
        "dead_lettered": len(dead),
        "goods_ran": len(ran),
        "seconds": round(seconds, 1),
        "crashes": unexpected_tracebacks(log) + int(exit_code != 0) + log.count("exited with"),
    }
    record_figures("hostile_worker", figures)
    figures["reasons"] = dict(check_dead_letters(dead, Counter(texts)))
    record_figures("hostile_worker", figures)
    assert sorted(ran) == list(range(goods))
    assert all(len(events) == 1 for events in ran.values())  # exactly once, forged or not
    assert exit_code == 0 and "exited with" not in log
    assert unexpected_tracebacks(log) == 0 and "task failed" not in log
    assert log.count("message dead-lettered to") == len(cases)
    assert not (rig.state / PWNED).exists() and not (rig.state / CANARY_MARK).exists()
    assert SECRET_KEY not in log
    assert rig.counts(rig.main) == (0, 0) and rig.counts(rig.dlq) == (0, 0)


def sqs_record(rig: Rig, index: int, body: str, attributes: dict[str, str]) -> dict[str, Any]:
    return {
        "messageId": f"m-{index}",
        "receiptHandle": f"lambda-receipt-{index}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            name: {"stringValue": value, "dataType": "String"} for name, value in attributes.items()
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{rig.main}",
        "awsRegion": REGION,
    }


def test_hostile_bodies_through_the_lambda_sqs_handler(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cases = [case for case in hostile_cases(rig.state) if sqs_text(case.body) is not None]
    texts = [sqs_text(case.body) or "" for case in cases]
    oversized = Case("corpus:body-over-1mib", dict(corpus())["body-over-1mib"])
    messages, goods = interleave([*cases, oversized], [*texts, oversized.text])
    records = [sqs_record(rig, i, body, attrs) for i, (body, attrs, _) in enumerate(messages)]
    oversized_id = next(r["messageId"] for r in records if r["body"] == oversized.text)
    failures: list[str] = []
    dead: list[dict[str, Any]] = []
    crashes = 0
    for start in range(0, len(records), 10):  # Lambda's default SQS batch size
        try:
            response = process_messages_for_lambda_consumer(
                {"Records": records[start : start + 10]}
            )
        except Exception:  # counted: the handler must answer for every batch
            crashes += 1
            raise
        assert response is not None
        failures += [item["itemIdentifier"] for item in response["batchItemFailures"]]
        dead += take_all(rig.endpoint, rig.urls[rig.dlq], attempts=1)
    dead += take_all(rig.endpoint, rig.urls[rig.dlq])
    ran = RunLog(rig.state / EVENTS).update()
    figures = {
        "hostile_messages": len(cases) + 1,
        "good_messages": goods,
        "dead_lettered": len(dead),
        "reported_failed": len(failures),
        "crashes": crashes,
    }
    record_figures("hostile_lambda_sqs", figures)
    check_dead_letters(dead, Counter(texts))
    # Over 1 MiB cannot be dead-lettered (SQS refuses it): reported failed, left to the redrive.
    assert failures == [oversized_id]
    assert "dead-letter send failed" in caplog.text
    assert sorted(ran) == list(range(goods)) and all(len(v) == 1 for v in ran.values())
    assert not (rig.state / PWNED).exists() and not (rig.state / CANARY_MARK).exists()
    assert SECRET_KEY not in caplog.text


def test_hostile_bodies_through_the_lambda_sns_handler(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cases = hostile_cases(rig.state)  # all of them: an SNS record is never sent anywhere
    messages, goods = interleave(cases, [case.text for case in cases])
    hostile_ids: set[str] = set()
    named: set[str] = set()
    crashes = 0
    for start in range(0, len(messages), 10):
        records = []
        for index, (body, attributes, good) in enumerate(messages[start : start + 10], start):
            if not good:
                hostile_ids.add(f"sns-{index}")
            records.append(sns_record(index, body, attributes))
        try:
            process_messages_for_lambda_consumer({"Records": records})
        except LambdaRecordsFailed as error:
            named |= set(error.failures)
        except Exception:
            crashes += 1
            raise
    ran = RunLog(rig.state / EVENTS).update()
    figures = {
        "hostile_messages": len(cases),
        "good_messages": goods,
        "named_failed": len(named),
        "crashes": crashes,
    }
    record_figures("hostile_lambda_sns", figures)
    assert named == hostile_ids and len(named) == len(cases)
    assert sorted(ran) == list(range(goods)) and all(len(v) == 1 for v in ran.values())
    assert not (rig.state / PWNED).exists() and not (rig.state / CANARY_MARK).exists()
    assert SECRET_KEY not in caplog.text


def sns_record(index: int, body: str, attributes: dict[str, str]) -> dict[str, Any]:
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:taskhawk:sub",
        "Sns": {
            "Type": "Notification",
            "MessageId": f"sns-{index}",
            "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:taskhawk",
            "Message": body,
            "MessageAttributes": {
                name: {"Type": "String", "Value": value} for name, value in attributes.items()
            },
        },
    }
