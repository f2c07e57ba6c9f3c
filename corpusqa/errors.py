"""User-facing errors: one line, in the user's language, saying what to do."""

from __future__ import annotations

from corpusqa.i18n import t


class CorpusQAError(Exception):
    """An error whose message is meant for the user (no traceback).

    Args:
        key: message key in ``corpusqa.i18n.MESSAGES``.
        **params: values substituted into the message.
    """

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, language: str = "zh") -> str:
        return t(self.key, language, **self.params)


class InputError(CorpusQAError):
    """Bad input from the user: an empty or huge question, an unreadable file."""


class SearchIndexError(CorpusQAError):
    """A missing, corrupted, stale or incompatible index."""


class EncoderError(CorpusQAError):
    """No usable embedding model."""


class CorpusError(CorpusQAError):
    """An empty corpus or a broken database."""
