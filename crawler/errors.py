"""The product's exceptions.

CrawlerError                 anything the product reports to a user as a clear message
├── SeedsError               a seeds file that cannot be loaded (names file, entry, field)
├── SettingError             a setting that is unknown or has a value it does not allow
├── SnapshotError            an offline snapshot whose manifest or files are unusable
└── StorageError             the article store cannot be opened or written
"""

from __future__ import annotations


class CrawlerError(Exception):
    """Base class of every error the product reports as a message rather than a traceback."""


class SeedsError(CrawlerError):
    """A seeds file is missing, unreadable or has an invalid entry."""

    def __init__(
        self, path: str, message: str, *, entry: str | None = None, field: str | None = None
    ) -> None:
        self.path = path
        self.entry = entry
        self.field = field
        where = path
        if entry is not None:
            where += f": {entry}"
        if field is not None:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")


class SettingError(CrawlerError):
    """A setting is unknown, or its value is not one it allows; the message is one line.

    Attributes:
        source: where the value came from (``--set``, the config file, an environment variable).
        name: the setting as written; ``None`` when several settings disagree together.
        suggestion: the closest known name, for an unknown one.
    """

    def __init__(
        self,
        source: str,
        message: str,
        *,
        name: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.source = source
        self.name = name
        self.suggestion = suggestion
        self.detail = message
        super().__init__(f"{source}: {message}")


class SnapshotError(CrawlerError):
    """An offline snapshot cannot be used."""


class StorageError(CrawlerError):
    """The article store cannot be opened or written."""


class NotFoundError(CrawlerError):
    """A URL or version asked for is not in the store."""
