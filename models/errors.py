"""Errors raised while locating or loading models."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model could not be found or loaded. The message says which, where, and how to fix it."""

    def __init__(self, model: str, path: str, problem: str, fix: str) -> None:
        self.model = model
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{model} model at {path!r}: {problem}. Fix: {fix}")


class LanguageNotConfigured(ModelError):
    """A call needs a language for which no model is configured."""

    def __init__(self, kind: str, language: str, setting: str) -> None:
        super().__init__(
            model=f"{kind} ({language})",
            path="<unset>",
            problem=f"no {kind} model is configured for language {language!r}",
            fix=f"set {setting} (see README, 'Mandarin models')",
        )
