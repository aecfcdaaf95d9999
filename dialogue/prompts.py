"""What the interviewer says: script text with variables filled in, as ``Say`` actions.

Every fixed line carries a stable ``prompt_id`` (``<script_id>:q:<qid>``, ``<script_id>:sys:<key>``
...) so TTS can cache it. A line whose text depends on candidate-specific variables is dynamic
(``prompt_id=None``): caching it would only fill the cache with one-off audio.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialogue.events import Say
from dialogue.phrases import PHRASES, PhraseKey
from dialogue.script import FaqEntry, FollowUp, Question, Script
from dialogue.text import placeholders, render

GREETING_PARTS = ("intro", "ai_disclosure", "recording_notice", "consent")


class PromptBook:
    """Renders a script's lines for one interview (one set of variables)."""

    def __init__(self, script: Script, variables: Mapping[str, str] | None = None) -> None:
        self.script = script
        static = {"company": script.company, "role": script.role, **script.variables}
        runtime = {k: str(v) for k, v in (variables or {}).items()}
        self.values = {**static, **runtime}
        # Candidate-specific = supplied per call with a value differing from the script's own.
        self._dynamic = {k for k, v in runtime.items() if static.get(k) != v}
        if "candidate_name" not in static:
            self._dynamic.add("candidate_name")

    def say(self, template: str, prompt_id: str, question_id: str | None = None) -> Say:
        """A Say of ``template`` rendered; dynamic lines lose their prompt id."""
        dynamic = any(name in self._dynamic for name in placeholders(template))
        text = render(template, self.values)
        return Say(text, None if dynamic else f"{self.script.id}:{prompt_id}", question_id)

    def phrase(self, key: PhraseKey, question_id: str | None = None) -> Say:
        """A system line from :mod:`dialogue.phrases` in the script's language."""
        return self.say(PHRASES[self.script.language][key], f"sys:{key}", question_id)

    def greeting(self) -> list[Say]:
        """The greeting, one Say per part so the fixed parts stay cacheable."""
        g = self.script.greeting
        return [self.say(getattr(g, part), f"greeting:{part}") for part in GREETING_PARTS]

    def greeting_clarify(self) -> list[Say]:
        """The greeting's clarification, or a rephrase prefix plus the consent question."""
        g = self.script.greeting
        if g.clarify:
            return [
                self.say(g.clarify, "greeting:clarify"),
                self.say(g.consent, "greeting:consent"),
            ]
        return [self.phrase("clarify_prefix"), *self.greeting()[1:]]

    def question(self, q: Question) -> Say:
        """The question's prompt."""
        return self.say(q.prompt, f"q:{q.id}", q.id)

    def clarify(self, q: Question) -> list[Say]:
        """The question's clarification text, or a rephrase prefix plus the prompt."""
        if q.clarify:
            return [self.say(q.clarify, f"q:{q.id}:clarify", q.id)]
        return [self.phrase("clarify_prefix", q.id), self.question(q)]

    def follow_up(self, q: Question, index: int) -> Say:
        """Follow-up ``index`` of ``q``."""
        fu: FollowUp = q.follow_ups[index]
        return self.say(fu.text, f"fu:{q.id}:{fu.id or index}", q.id)

    def knockout(self, q: Question) -> Say:
        """The polite end line when ``q``'s knock-out answer is given."""
        if q.knockout and q.knockout.say:
            return self.say(q.knockout.say, f"q:{q.id}:knockout", q.id)
        return self.phrase("ineligible", q.id)

    def branch_say(self, q: Question, answer: str, text: str) -> Say:
        """A branch target's ``say`` line."""
        return self.say(text, f"q:{q.id}:{answer}", q.id)

    def faq(self, entry: FaqEntry, question_id: str | None) -> Say:
        """An FAQ answer."""
        return self.say(entry.answer, f"faq:{entry.id}", question_id)

    def closing(self) -> Say:
        """The closing line."""
        return self.say(self.script.closing, "closing")

    def fixed_prompts(self) -> list[tuple[str, str]]:
        """(prompt_id, text) of every cacheable line this interview can say (TTS pre-warm)."""
        lines: list[Say] = [*self.greeting(), self.closing()]
        if self.script.greeting.clarify:
            lines.append(self.say(self.script.greeting.clarify, "greeting:clarify"))
        for q in self.script.questions:
            lines += [self.question(q), *self.clarify(q), self.knockout(q)]
            lines += [self.follow_up(q, i) for i in range(len(q.follow_ups))]
            for answer in ("yes", "no"):
                target = q.branch.target(answer) if q.branch else None
                if target and target.say:
                    lines.append(self.branch_say(q, answer, target.say))
        lines += [self.faq(entry, None) for entry in self.script.faq]
        lines += [self.phrase(key) for key in PHRASES[self.script.language]]
        seen: dict[str, str] = {}
        for line in lines:
            if line.prompt_id is not None:
                seen.setdefault(line.prompt_id, line.text)
        return list(seen.items())


def prompt_keys(script: Script) -> tuple[set[str], set[str]]:
    """(fixed, varying) prompt keys of ``script``: a key is a prompt id without ``<script id>:``.

    Varying keys name lines whose text depends on per-call variables (``{candidate_name}``):
    those are always synthesized, so a recording for one can never be played."""
    book = PromptBook(script)
    fixed = {pid.removeprefix(f"{script.id}:") for pid, _ in book.fixed_prompts()}
    book._dynamic = set()  # every line as if nothing varied: all keys the script can say
    every = {pid.removeprefix(f"{script.id}:") for pid, _ in book.fixed_prompts()}
    return fixed, every - fixed
