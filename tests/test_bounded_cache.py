"""The per-process caches of what was read from summaries stay within their size and forget on request (a deleted
summary leaves nothing behind in them)."""
from __future__ import annotations

import threading

from mediassist.bounded_cache import BoundedCache


def test_the_oldest_entries_go_first_beyond_the_size():
    cache: BoundedCache[str, int] = BoundedCache(3)
    cache.put_many([("a", 1), ("b", 2), ("c", 3)])
    cache.put("d", 4)
    assert "a" not in cache and cache.get_many(["b", "c", "d"]) == [2, 3, 4]
    assert cache.get("a") is None


def test_missing_keys_are_given_once_in_their_order():
    cache: BoundedCache[str, int] = BoundedCache(10)
    cache.put("b", 2)
    assert cache.missing(["c", "b", "a", "c"]) == ["c", "a"]


def test_forgotten_entries_are_gone():
    cache: BoundedCache[str, int] = BoundedCache(10)
    cache.put_many([("summary-1", 1), ("summary-2", 2)])
    cache.forget(["summary-1", "never-there"])
    assert "summary-1" not in cache and "summary-2" in cache


def test_many_threads_at_once_keep_it_within_its_size():
    cache: BoundedCache[int, int] = BoundedCache(50)

    def fill(start: int) -> None:
        for n in range(start, start + 500):
            cache.put(n, n)
            cache.missing([n, n + 1])

    threads = [threading.Thread(target=fill, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache.missing(range(4000))) == 4000 - 50
