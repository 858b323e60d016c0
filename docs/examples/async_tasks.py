"""Async tasks: `async def` functions as tasks, dispatched from code running in an event loop."""

import asyncio

import taskhawk


@taskhawk.task(name="pages.fetch_page")
async def fetch_page(url: str, *, timeout_s: float = 10.0) -> None:
    # Simulated I/O: a real task awaits its HTTP client or database driver here.
    await asyncio.sleep(0.5)
    print(f"fetched {url}")


async def main() -> None:
    # Inside an event loop, await the dispatch: the send runs in a thread, the loop goes on.
    ids = await fetch_page.dispatch_many_async(
        [((f"https://example.com/{n}",), {}) for n in range(20)]
    )
    last = await fetch_page.dispatch_async("https://example.com/", timeout_s=5)
    print(f"dispatched {len(ids) + 1} pages, the last {last}")


if __name__ == "__main__":
    asyncio.run(main())
