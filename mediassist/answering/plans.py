"""Which parts of each summary's discharge plan have items, for the answer decision (scoring.plan_lacks_the_topic):
"when is her follow-up?" of a summary that arranges none is more likely not answered by it.

The plan (mediassist.plan) is extracted once per summary and only which of its categories have items is kept,
until the summary is deleted.
"""
from __future__ import annotations

from mediassist.bounded_cache import BoundedCache
from mediassist.index.library import DocumentLibrary
from mediassist.index.records import DocumentRecord
from mediassist.plan import extract_plan

CACHED_SUMMARIES = 512


class PlanCategories:
    def __init__(self, library: DocumentLibrary):
        self.library = library
        self._categories: BoundedCache[str, frozenset[str]] = BoundedCache(CACHED_SUMMARIES)

    def of(self, records: list[DocumentRecord]) -> frozenset[str]:
        """The plan categories with at least one item, over the given summaries."""
        return frozenset().union(*(self._of(record) for record in records))

    def _of(self, record: DocumentRecord) -> frozenset[str]:
        found = self._categories.get(record.id)
        if found is None:
            plan = extract_plan(self.library.document_of(record)).to_json()
            found = frozenset(category for category, items in plan.items() if items)
            self._categories.put(record.id, found)
        return found

    def holds(self, record_id: str) -> bool:
        """Whether anything of that summary's plan is kept."""
        return record_id in self._categories

    def forget(self, record_ids: list[str]) -> None:
        self._categories.forget(record_ids)

