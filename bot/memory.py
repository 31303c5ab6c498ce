"""Hand memory nobody will use soon back to the system, once every scheduler tick.

Python and SQLite free what a flood of votes or a read-back of every poll used, but glibc's
malloc keeps freed memory in its heaps for later: after 1,000,000 votes in 1,000 polls some
4 MB of the process's resident memory was free memory nobody would use again soon.
``malloc_trim`` returns the free pages (about a millisecond, in a worker thread). Where the C
library is not glibc (musl, macOS) there is nothing to call and nothing is done.

Each traceback logged also leaves the source of every file it passes through in ``linecache``
(one SQLAlchemy error: 1.4 MB of lines, kept for good); the tick forgets them.
"""

from __future__ import annotations

import asyncio
import ctypes
import linecache
import logging
from collections.abc import Callable
from functools import cache

log = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's malloc_trim, or None where the C library has none."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        log.debug("no malloc_trim in this C library: free memory stays with the allocator")
        return None
    return trim


def forget_source_lines() -> None:
    """Drop linecache's lines read from files; keep generated source, which has no file to reread.

    Entry by entry rather than ``clearcache``: a traceback formatted meanwhile in another
    thread (a card drawn in a worker) then finds its file's entry or none, as with CPython's
    own ``checkcache``.
    """
    cache = linecache.cache
    for filename, entry in list(cache.items()):
        if len(entry) == 4 and entry[1] is not None:  # (size, mtime, lines, fullname)
            cache.pop(filename, None)


async def release_free_memory() -> None:
    """Forget logged tracebacks' source lines; return the allocator's free memory (glibc)."""
    forget_source_lines()
    trim = _malloc_trim()
    if trim is not None:
        await asyncio.to_thread(trim, 0)
