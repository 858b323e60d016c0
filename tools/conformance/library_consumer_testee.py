"""The taskhawk library as a consumer testee (contract-tests/README.md, "Consumer testee
protocol"): each body through `taskhawk.wire.decode`, what a worker runs on every message it
receives, answered with its verdict and the call it decodes to.

    python -m tools.conformance consumer -- python -m tools.conformance.library_consumer_testee
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any, TextIO

from taskhawk import wire
from taskhawk.exceptions import ValidationError
from tools.conformance.vector_checks import decoded_call

__all__ = ["respond", "serve"]

PROTOCOLS = (1,)


def respond(request: dict[str, Any]) -> dict[str, Any]:
    case_id = request.get("id")
    if request.get("protocol") not in PROTOCOLS:
        return {"id": case_id, "error": f"unsupported protocol {request.get('protocol')!r}"}
    body = base64.b64decode(request["payload_base64"])
    try:
        message = wire.decode(body)
    except ValidationError as error:
        return {"id": case_id, "valid": False, "error_path": error.path, "error": str(error)}
    return {"id": case_id, "valid": True, "decoded": decoded_call(message)}


def serve(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    for line in stdin:
        if line.strip():
            stdout.write(json.dumps(respond(json.loads(line)), ensure_ascii=True) + "\n")
            stdout.flush()


if __name__ == "__main__":
    serve()
