"""Storage errors: the driver's exceptions never cross the storage boundary."""

from __future__ import annotations


def one_line(exc: BaseException) -> str:
    """A driver's message as one short line: StorageError's messages are logged as one."""
    return " ".join(str(exc).split())[:200] or type(exc).__name__


class StorageError(Exception):
    """A database problem, in one line a user can act on.

    `cause` names the kind of fault, the same for every driver: "disk full", "read-only",
    "damaged", "I/O error", "locked", "unreachable" (a database server), or "error" for
    the rest. The scheduler reports a
    fault once per change of cause, not once per failing write.
    """

    def __init__(self, message: str, cause: str = "error") -> None:
        super().__init__(message)
        self.cause = cause


class SchemaTooNewError(StorageError):
    pass


class StoryGoneError(StorageError):
    """The story an item was to join is no more: another worker merged it away meanwhile."""


class FeedExistsError(StorageError):
    """A feed with that name or URL is already watched."""


class NotOurDatabaseError(StorageError):
    """The file is empty or is some other program's: refused unless asked to start afresh."""
