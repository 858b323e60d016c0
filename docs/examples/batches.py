"""Many messages in few requests: `taskhawk.batch()` and `dispatch_many`."""

import settings

import taskhawk

taskhawk.configure(settings)


@taskhawk.task(name="search.index_document")
def index_document(document_id: int, *, reindex: bool = False) -> None:
    print(f"indexing {document_id}")


# Every dispatch inside the block returns its id at once; the messages leave, ten per request,
# when the block ends without an exception. An exception discards them all.
with taskhawk.batch():
    ids = [index_document.dispatch(n) for n in range(25)]
print(f"{len(ids)} messages in 3 requests")

# One task, many argument sets: every message is validated before the first is sent.
more = index_document.dispatch_many([((n,), {"reindex": True}) for n in range(25, 35)])
print(f"{len(more)} messages in 1 request")
