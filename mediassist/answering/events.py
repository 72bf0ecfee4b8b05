"""The answer as a stream of events, and the steps that wrap one: an emergency notice first, each summary of
several under its own name, the glossary terms used. Events are dicts with a "type": emergency, sources, group,
token, done or error (the README's API section lists their fields)."""
from __future__ import annotations

import itertools
from typing import Callable, Iterator, Protocol, Sequence

from errors import DocumentNotFound, QAError
from mediassist.plain.reading import terms_in


class Named(Protocol):
    id: str
    filename: str


def grouped_by_document(records: Sequence[Named], answer_one: Callable[[list[str]], Iterator[dict]]) -> Iterator[dict]:
    """Several summaries asked at once (a caregiver's family): each answered from its own file alone, under its
    name, so one person's medicines are never mixed into another's answer. `answer_one([doc_id])` gives the
    events of one answer; a "group" event starts each part. The sources event grows as each part is found."""
    sources, parts, finished, answered = [], [], [], []
    yield {"type": "sources", "sources": []}
    for record in records:
        events = answer_one([record.id])
        try:
            first = next(events)
        except DocumentNotFound:
            continue   # deleted while the others were being answered
        answered.append(record)
        heading = f"**From {record.filename}:**\n"
        yield {"type": "group", "document_id": record.id, "filename": record.filename}
        yield {"type": "token", "text": ("\n\n" if parts else "") + heading}
        for event in itertools.chain([first], events):
            if event["type"] == "sources":
                sources += event["sources"]
                yield {"type": "sources", "sources": list(sources)}
            elif event["type"] == "done":
                finished.append(event)
                parts.append(heading + event["answer"])
            else:
                failed = event["type"] == "error"
                yield event
                if failed:
                    return
    if not finished:
        raise DocumentNotFound("None of these summaries is among your documents any more.")
    yield _grouped_done(answered, finished, parts, sources)


def _grouped_done(records: Sequence[Named], finished: list[dict], parts: list[str], sources: list) -> dict:
    def distinct(key):
        return "\n".join(dict.fromkeys(str(e[key]) for e in finished if e.get(key))) or None
    return {"type": "done", "answer": "\n\n".join(parts), "found": any(e["found"] for e in finished),
            "sources": sources, "backend": finished[0]["backend"], "model": finished[0]["model"],
            "notice": distinct("notice"), "details": distinct("details"),
            "groups": [{"document_id": r.id, "filename": r.filename, "found": e["found"]}
                       for r, e in zip(records, finished)]}


def with_emergency_notice(events: Iterator[dict], notice: str | None) -> Iterator[dict]:
    """An emergency happening now leads the answer text, whatever the backend (its event was sent already)."""
    said = False
    for event in events:
        if notice and event["type"] == "sources" and not said:
            said = True
            yield event
            event = {"type": "token", "text": f"{notice}\n\n"}
        elif event["type"] == "done":
            event = {**event, "emergency": notice is not None,
                     "answer": f"{notice}\n\n{event['answer']}" if notice else event["answer"]}
        yield event


def emergency_only(notice: str, error: QAError) -> Iterator[dict]:
    text = f"{notice}\n\n{error}"
    yield {"type": "sources", "sources": []}
    yield {"type": "token", "text": text}
    yield {"type": "done", "answer": text, "found": False, "sources": [], "backend": None, "model": None,
           "notice": str(error), "emergency": True}


def with_terms(events: Iterator[dict]) -> Iterator[dict]:
    """The finished answer names the glossary terms it uses, so the page can explain each on a tap."""
    for event in events:
        if event["type"] == "done" and "terms" not in event:
            event = {**event, "terms": terms_in(event["answer"])}
        yield event


def without_type(event: dict) -> dict:
    return {k: v for k, v in event.items() if k != "type"}


def last_event(events: Iterator[dict]) -> dict:
    event = {}
    for event in events:
        pass
    return event
