"""A question as the API receives it (JSON body, history) and the answer as server-sent events."""
from __future__ import annotations

import json
import logging

from flask import request

from errors import BadRequest, InvalidQuestion, QAError
from mediassist.answering.followup import Turn

from .context import get_settings

log = logging.getLogger("mediassist.app")

MAX_HISTORY_TURNS = 20          # a page may send the whole thread; more than this is not a conversation
USED_HISTORY_TURNS = 4          # the last few turns are what a follow-up can refer back to
MAX_HISTORY_ANSWER_CHARS = 20_000


def read_query() -> tuple[str, list[str] | None, bool, list[Turn]]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:   # nested thousands deep: silent=True only covers ValueError
        body = None
    if body is None:
        raise BadRequest('Send a JSON body like {"question": "When is my follow-up appointment?"}.')
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object with a 'question' field.")
    question = body.get("question")
    if not isinstance(question, str):
        raise BadRequest("'question' must be a string.")
    if has_lone_surrogate(question):
        raise BadRequest("'question' is not valid text (it holds an unpaired UTF-16 surrogate escape).")
    question = question.strip()
    if not question:
        raise InvalidQuestion("The question is empty: type what you want to know about your summary.")
    limit = get_settings().max_question_chars
    if len(question) > limit:
        raise InvalidQuestion(f"The question is too long ({len(question)} characters; the limit is {limit}).")
    doc_ids = body.get("document_ids")
    if doc_ids is not None and (not isinstance(doc_ids, list) or not all(isinstance(d, str) for d in doc_ids)):
        raise BadRequest("'document_ids' must be a list of document id strings.")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("'stream' must be true or false.")
    return question, doc_ids or None, stream, read_history(body.get("history"))


def read_history(history) -> list[Turn]:
    """The conversation so far, oldest first: at most MAX_HISTORY_TURNS turns are sent, the last few are used."""
    if history is None:
        return []
    if not isinstance(history, list) or len(history) > MAX_HISTORY_TURNS:
        raise BadRequest(f"'history' must be a list of at most {MAX_HISTORY_TURNS} earlier turns, "
                         'each {"question": "...", "answer": "..."}.')
    turns = []
    for n, turn in enumerate(history, start=1):
        if not isinstance(turn, dict) or not all(isinstance(turn.get(k), str) for k in ("question", "answer")):
            raise BadRequest(f'Turn {n} of \'history\' must be {{"question": "...", "answer": "..."}} '
                             'with text values.')
        if len(turn["question"]) > get_settings().max_question_chars or len(turn["answer"]) > MAX_HISTORY_ANSWER_CHARS:
            raise BadRequest(f"Turn {n} of 'history' is too long.")
        if has_lone_surrogate(turn["question"]) or has_lone_surrogate(turn["answer"]):
            raise BadRequest(f"Turn {n} of 'history' is not valid text.")
        turns.append(Turn(turn["question"].strip(), turn["answer"].strip()))
    return turns[-USED_HISTORY_TURNS:]


def has_lone_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= char <= "\udfff" for char in text)


def server_sent_events(events):
    try:
        for event in events:
            data = {key: value for key, value in event.items() if key != "type"}
            yield f"event: {event['type']}\ndata: {json.dumps(data)}\n\n"
    except QAError as error:
        yield f"event: error\ndata: {json.dumps({'error': str(error)})}\n\n"
    except Exception:
        log.exception("query stream failed")
        yield (f"event: error\ndata: "
               f"{json.dumps({'error': 'Something went wrong while answering; please try again.'})}\n\n")
