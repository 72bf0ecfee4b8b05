"""The model's answer, sentence by sentence, as far as the summary supports it; never worse than the quotes.

Each finished sentence is judged (support.py) before it is streamed: a supported one goes out at once (with
the framing sentences before it), an unsupported one never does. Refusal is read from the answer as a whole:
an answer with no supported sentence left is a refusal. Then the patient gets the answer engine's quotes, with
a plain notice, when the engine finds the answer; else its closest lines, said to be no clear answer, when it
has some; else "your summary does not mention this". When the model
does answer, the lines the engine would have quoted and the model did not use follow its answer, word for word:
the model can add plain words, never take away what the summary says.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from mediassist.answering.composer import ExtractiveAnswer, format_quotes
from mediassist.answering.lines import Line, passages_of
from prompting import NOT_IN_SUMMARY, Passage

from .support import SupportChecker, complete_sentences, folded

PART_LEFT_OUT = ("Part of the AI model's answer was left out because your summary does not say it. "
                 "Ask your care team about anything that is unclear.")
QUOTED_INSTEAD = ("The AI model's answer could not be confirmed from your summary. So here is what your summary "
                  "says, word for word.")
ALSO_SAYS = "Your summary also says, word for word:"
QUOTED_AFTER_REFUSAL = ("The AI model did not find this in your summary. But these lines of it seem to answer "
                        "your question. They are copied word for word.")


@dataclass
class SentenceGate:
    checker: SupportChecker
    lines: list[Line]
    kept: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)   # reasons only: no patient text is kept for the log
    refusals: int = 0
    supporting: list[Line] = field(default_factory=list)
    _framing: list[str] = field(default_factory=list)
    _buffer: str = ""

    def feed(self, token: str) -> list[str]:
        """The text that may go to the patient now."""
        done, self._buffer = complete_sentences(self._buffer + token)
        return self._release(done)

    def finish(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        released = self._release([rest] if rest.strip() else [])
        if self.kept and self._framing:   # closing words after the facts ("Ask your nurse if unsure.")
            released += self._framing
        return released

    def _release(self, sentences: list[str]) -> list[str]:
        released = []
        for sentence in sentences:
            verdict = self.checker.judge(sentence, self.lines)
            if verdict.kind == "framing":
                self._framing.append(sentence)
            elif verdict.kind == "refusal":
                self.refusals += 1
            elif verdict.kind == "unsupported":
                self.left_out.append(verdict.reason)
            elif folded(sentence) in map(folded, self.kept):
                continue   # a small model repeats itself
            else:
                released += self._framing + [sentence]
                self._framing = []
                self.kept.append(sentence)
                self.supporting += verdict.lines
        return released


def grounded_events(tokens: Iterable[str], gate: SentenceGate, extractive: ExtractiveAnswer,
                    sent: list[Passage], backend: str, model: str | None) -> Iterator[dict]:
    """token events as sentences pass the gate, then done. Raises what the token stream raises."""
    shown: list[str] = []
    for token in tokens:
        for text in gate.feed(token):
            shown.append(text)
            yield {"type": "token", "text": text}
    for text in gate.finish():
        shown.append(text)
        yield {"type": "token", "text": text}
    checked = {"kept": len(gate.kept), "left_out": len(gate.left_out), "refusals": gate.refusals,
               "quoted_instead": False}
    if gate.kept:
        answer = "".join(shown)   # exactly what was streamed, so the page's text and the final answer agree
        unused = _unused_quotes(extractive, gate.supporting)
        if unused:
            tail = f"\n\n{ALSO_SAYS}\n\n{format_quotes(unused)}"
            answer += tail
            yield {"type": "token", "text": tail}
        if gate.left_out:
            answer += f"\n\n{PART_LEFT_OUT}"
            yield {"type": "token", "text": f"\n\n{PART_LEFT_OUT}"}
        sources = [p.source_json() for p in passages_of([*gate.supporting, *unused]) or sent]
        yield {"type": "done", "answer": answer.strip(), "found": True, "sources": sources, "backend": backend,
               "model": model, "notice": PART_LEFT_OUT if gate.left_out else None, "checked": checked}
        return
    if extractive.found:
        notice = QUOTED_AFTER_REFUSAL if gate.refusals and not gate.left_out else QUOTED_INSTEAD
        answer = f"{notice}\n\n{_quotes(extractive)}"
        yield {"type": "token", "text": answer}
        yield {"type": "done", "answer": answer, "found": True,
               "sources": [p.source_json() for p in extractive.passages], "backend": "extractive", "model": None,
               "notice": notice, "checked": {**checked, "quoted_instead": True}}
        return
    answer = _quotes(extractive) if extractive.passages else NOT_IN_SUMMARY   # its closest lines, if any
    yield {"type": "token", "text": answer}
    yield {"type": "done", "answer": answer, "found": False,
           "sources": [p.source_json() for p in extractive.passages], "backend": backend, "model": model,
           "notice": None, "checked": checked}


def _quotes(extractive: ExtractiveAnswer) -> str:
    """The engine's answer without the notice it was composed with (the first paragraph)."""
    return extractive.text.split("\n\n", 1)[-1]


def _unused_quotes(extractive: ExtractiveAnswer, used: list[Line]) -> list[Line]:
    if not extractive.found:
        return []
    said = {line.text for line in used}
    return [line for line in extractive.lines if line.text not in said]
