"""A thread-safe map of derived values that forgets its oldest entries beyond a size: what a process keeps of the
summaries it has read (the embeddings of their lines, their plan's categories, token counts)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, Iterable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: K) -> bool:
        with self._lock:
            return key in self._entries

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def get_many(self, keys: Iterable[K]) -> list[V]:
        """Every key's value (each must be there)."""
        with self._lock:
            return [self._entries[key] for key in keys]

    def missing(self, keys: Iterable[K]) -> list[K]:
        """The keys not kept, each once, in their order."""
        with self._lock:
            return [key for key in dict.fromkeys(keys) if key not in self._entries]

    def put(self, key: K, value: V) -> None:
        self.put_many([(key, value)])

    def put_many(self, items: Iterable[tuple[K, V]]) -> None:
        with self._lock:
            for key, value in items:
                self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, keys: Iterable[K]) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)
