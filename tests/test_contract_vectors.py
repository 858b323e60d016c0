"""Every contract case in contract-tests/: the corpus is well formed (meta-schemas, ids, MANIFEST)
and the Python runner agrees with each case: the reference oracle, the generated validators and
`taskhawk.wire.decode` give the verdict, decoded call and error path it records; each publisher
case's expected message is canonical.

The oracle is `jsonschema` on consume.json after Python's (lenient) json parser, with `pattern`
evaluated as ECMA-262. Cases that name a decision are where the library deliberately goes beyond
that: for them the oracle must give `schema_valid`.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from taskhawk import wire
from taskhawk._generated import FORMAT_VERSIONS
from taskhawk.exceptions import ValidationError
from taskhawk.transport.limits import transport_size
from taskhawk.wire import build_message, encode, message_attributes
from taskhawk.wire.attributes import add_trace_context
from tools.conformance import CONTRACT_DIR, ROOT
from tools.conformance.case_results import read_failure_list
from tools.conformance.case_values import from_input
from tools.conformance.corpus import Case, Corpus, load_corpus, payload
from tools.conformance.manifest import build_manifest, manifest_problems
from tools.conformance.size_fill import limit_of
from tools.conformance.vector_checks import check_case

CORPUS = load_corpus()
CASES = CORPUS.cases()
PYTHON_FAILURES = read_failure_list(CONTRACT_DIR / "failure-lists" / "python-consumer.txt")


def test_corpus_groups_and_counts() -> None:
    groups = {group: len(CORPUS.cases(group)) for group in ("required", "decisions", "publish")}
    assert groups["required"] >= 60 and groups["decisions"] >= 45 and groups["publish"] >= 85
    assert {case.group for case in CASES} == {"required", "decisions", "publish"}


def test_corpus_files_satisfy_their_meta_schemas_and_rules() -> None:
    assert CORPUS.problems() == []


def test_meta_schema_refuses_malformed_cases() -> None:
    broken = copy.deepcopy(CORPUS)
    vectors = next(file for file in broken.files if file.group == "required")
    case = vectors.document["cases"][0]
    case["id"] = "reject-0001-extra-top-level-key"  # a valid case named reject; a duplicate id
    case["decision"] = "no-such-decision"
    del case["decoded"]
    problems = "\n".join(broken.problems())
    assert "'decoded' is a required property" in problems
    assert "'schema_valid' is a dependency of 'decision'" in problems
    assert "`decision` belongs in decisions/ and only there" in problems
    assert "does not match '^accept-'" in problems
    assert "case id reject-0001-extra-top-level-key is used twice" in problems


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_python_runner_agrees_with_case(case: Case) -> None:
    problems = check_case(case)
    if case.id in PYTHON_FAILURES.entries:
        assert problems, f"stale entry in {PYTHON_FAILURES.name}"
    else:
        assert problems == []


def test_manifest_is_current() -> None:
    assert manifest_problems() == []


def test_manifest_notices_an_edited_vector(tmp_path: Path) -> None:
    for part in ("contract-tests", "schema"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("node_*"))
    vector = tmp_path / "contract-tests" / "v1" / "required" / "envelope.json"
    vector.write_text(vector.read_text().replace("Upper-case UUID", "Upper case UUID"))
    problems = manifest_problems(tmp_path)
    assert problems and "contract-tests/v1/required/envelope.json" in problems[0]
    manifest = build_manifest(tmp_path)
    listing = "".join(f"{d}  {p}\n" for p, d in manifest["files"].items())
    assert len(manifest["corpus_sha256"]) == 64 and listing.count("\n") == len(manifest["files"])


def test_case_ids_are_never_reused_across_groups() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def _raw(case: Case) -> dict[str, Any]:
    return json.loads(json.dumps(case.data))


def test_publish_inputs_match_their_expected_messages() -> None:
    """The expected message is the input, reshaped: a reader can see why without the harness.
    Values the publisher makes itself are left out; attributes follow header-attributes."""
    for case in Corpus(CONTRACT_DIR, CORPUS.files).cases("publish"):
        given, expected = _raw(case)["input"], case.data["expected"]
        if "message" not in expected:
            continue
        message = expected["message"]
        metadata = {"priority": given["priority"], "version": case.format_version}
        if "timestamp_ms" in given:
            metadata["timestamp"] = given["timestamp_ms"]
        for field, offset in (("eta", "delay_ms"), ("expires", "expires_after_ms")):
            if field in message["metadata"]:
                metadata[field] = given["timestamp_ms"] + given[offset]
        # The oldest format that can carry it: 1.1 exactly when eta or expires is needed.
        assert (metadata["version"] == "1.1") == bool({"eta", "expires"} & metadata.keys())
        assert message["metadata"] == metadata
        fields = ["task", "args", "kwargs", "headers", *(["id"] if "id" in given else [])]
        assert {k: message[k] for k in message if k != "metadata"} == {k: given[k] for k in fields}
        mirrored = {"taskhawk_task": given["task"]}
        mirrored.update(given["headers"] if len(given["headers"]) <= 9 else {})
        add_trace_context(mirrored, dict(case.data.get("trace_context", [])))
        assert list(expected["attributes"].items()) == list(mirrored.items())


def test_cases_at_the_limit_are_exact_for_compact_json() -> None:
    """The count a `fill_to_limit` case writes is the one for compact JSON (the library's), so a
    reader sees the sizes; the harness sizes each testee's own JSON (conformance/size_fill)."""
    filled = [case for case in CORPUS.cases("publish") if "fill_to_limit" in case.data]
    assert len(filled) >= 6
    for case in filled:
        given = case.data["input"]
        message = build_message(
            message_id=given["id"], task=given["task"], args=from_input(given["args"]),
            kwargs={}, headers=given["headers"], priority=given["priority"],
            timestamp_ms=given["timestamp_ms"],
        )  # fmt: skip
        attributes = message_attributes(message, dict(case.data.get("trace_context", [])))
        size = transport_size(encode(message), attributes)
        assert size == limit_of(case) + case.data["fill_to_limit"], case.id


def test_every_priority_and_topology_has_a_destination_case() -> None:
    routes = {
        (case.data["input"]["priority"], case.data["app"]["topology"])
        for case in CORPUS.cases("publish")
        if "destination" in case.data["expected"]
    }
    assert routes == {(p, t) for p in ("default", "high", "low", "bulk") for t in ("sqs", "sns")}


def test_every_priority_and_topology_has_a_fifo_destination_case() -> None:
    routes = {
        (case.data["input"]["priority"], case.data["app"]["topology"])
        for case in CORPUS.cases("publish")
        if case.data["app"].get("fifo") and "destination" in case.data["expected"]
    }
    assert routes == {(p, t) for p in ("default", "high", "low", "bulk") for t in ("sqs", "sns")}


def test_expected_fifo_names_and_ids_follow_the_app_and_the_input() -> None:
    broken = copy.deepcopy(CORPUS)
    fifo = next(f for f in broken.files if f.relative == "v1/publish/fifo.json")
    cases = {case["id"]: case for case in fifo.document["cases"]}
    default = cases["publish-0100-fifo-sqs-default-priority"]
    default["expected"]["destination"]["message_deduplication_id"] = "some-other-id"
    content = cases["publish-0109-fifo-content-based-deduplication"]
    content["app"]["content_based_deduplication"] = False  # the message id is then expected
    named = cases["publish-0101-fifo-sqs-high-priority"]
    named["expected"]["destination"]["queue"] = "TASKHAWK-DEV-SHOP-HIGH-PRIORITY"
    standard = next(f for f in broken.files if f.relative == "v1/publish/publish.json")
    standard.document["cases"][0]["input"]["group_id"] = "g"  # protocol 1, and not FIFO
    problems = "\n".join(broken.problems())
    assert f"{default['id']}: expected message_deduplication_id must be " in problems
    assert (
        f"{content['id']}: expected message_deduplication_id must be '{content['input']['id']}'"
        in problems
    )
    assert f"{named['id']}: the destination ends in .fifo exactly when the app is FIFO" in problems
    first = standard.document["cases"][0]["id"]
    assert f"{first}: delays, expiries, FIFO ids, Lambda and FIFO apps need protocol 2" in problems
    assert f"{first}: expected message_group_id must be None" not in problems  # not FIFO


def test_protocol_1_cases_are_complete_and_others_say_so() -> None:
    broken = copy.deepcopy(CORPUS)
    publish = next(file for file in broken.files if file.relative == "v1/publish/publish.json")
    case = publish.document["cases"][0]
    del case["input"]["id"]  # a protocol 1 case without an id, its message still with one
    problems = "\n".join(broken.problems())
    assert f"{case['id']}: a protocol 1 case gives id and timestamp_ms" in problems
    assert f"{case['id']}: expected id must be given exactly when input.id is" in problems


def test_schedules_need_protocol_2_and_expected_times_follow_the_input() -> None:
    broken = copy.deepcopy(CORPUS)
    plain = next(f for f in broken.files if f.relative == "v1/publish/publish.json")
    plain.document["cases"][0]["input"]["delay_ms"] = 600_000  # a protocol 1 case with a delay
    scheduled = next(f for f in broken.files if f.relative == "v1/publish/scheduling.json")
    two_hours = next(c for c in scheduled.document["cases"] if "two-hour-delay" in c["id"])
    two_hours["expected"]["message"]["metadata"]["eta"] += 1000
    expiry = next(c for c in scheduled.document["cases"] if "expiry-is-1-1" in c["id"])
    del expiry["expected"]["message"]["metadata"]["expires"]
    lambda_app = next(c for c in scheduled.document["cases"] if c["app"].get("lambda"))
    lambda_app["app"]["topology"] = "sqs"  # Lambda functions consume topics only
    del lambda_app["input"]["timestamp_ms"]  # a delay counts from the case's timestamp
    problems = "\n".join(broken.problems())
    first = plain.document["cases"][0]["id"]
    assert f"{first}: delays, expiries, FIFO ids, Lambda and FIFO apps need protocol 2" in problems
    assert f"{two_hours['id']}: expected eta is not timestamp_ms + delay_ms" in problems
    assert f"{expiry['id']}: an expiry always travels as metadata.expires" in problems
    assert "'sns' was expected" in problems
    assert "'timestamp_ms' is a dependency of 'delay_ms'" in problems


def test_an_unknown_version_is_refused_naming_every_version_this_consumer_reads() -> None:
    """The refusal becomes the dead-letter reason: it tells the operator what to upgrade."""
    unknown = [case for case in CASES if "unknown-minor-version" in case.id]
    assert len(unknown) == 2
    for case in unknown:
        with pytest.raises(ValidationError) as refused:
            wire.decode(payload(case))
        assert refused.value.path == "$.metadata.version"
        assert f"this consumer reads {', '.join(sorted(FORMAT_VERSIONS))}" in refused.value.reason
