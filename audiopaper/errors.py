"""The two tiers of failure, as beets has them.

`AudiopaperError` stops the run: the CLI prints its one-line message and exits non-zero.
`ItemFailed` is one article that could not be rendered: it is reported by name and the
others go on.
"""

from __future__ import annotations


class AudiopaperError(Exception):
    """Stops the run; str(exc) is the one line the user sees."""


class InputError(AudiopaperError):
    """The input (a file, a date, a config) is unusable."""


class EngineUnavailable(AudiopaperError):
    """A speech engine cannot run here; the message says how to fix it."""


class ItemFailed(Exception):
    """One article failed; the run goes on without it."""

    def __init__(self, item: str, reason: str) -> None:
        super().__init__(f"{item}: {reason}")
        self.item = item
        self.reason = reason
