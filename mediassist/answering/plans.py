"""Which parts of each summary's discharge plan have items, for the answer decision (scoring.plan_lacks_the_topic):
"when is her follow-up?" of a summary that arranges none is more likely not answered by it.

The plan (mediassist.plan) is extracted once per summary and only which of its categories have items is kept,
until the summary is deleted.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from mediassist.index.library import DocumentLibrary
from mediassist.index.records import DocumentRecord
from mediassist.plan import extract_plan

CACHED_SUMMARIES = 512


class PlanCategories:
    def __init__(self, library: DocumentLibrary):
        self.library = library
        self._cache: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, records: list[DocumentRecord]) -> frozenset[str]:
        """The plan categories with at least one item, over the given summaries."""
        return frozenset().union(*(self._of(record) for record in records))

    def _of(self, record: DocumentRecord) -> frozenset[str]:
        with self._lock:
            if record.id in self._cache:
                return self._cache[record.id]
        plan = extract_plan(self.library.document_of(record)).to_json()
        found = frozenset(category for category, items in plan.items() if items)
        with self._lock:
            self._cache[record.id] = found
            while len(self._cache) > CACHED_SUMMARIES:
                self._cache.popitem(last=False)
        return found

    def forget(self, record_ids: list[str]) -> None:
        with self._lock:
            for record_id in record_ids:
                self._cache.pop(record_id, None)

