"""What the adapters' central error handlers do with an unexpected exception.

The caller gets one line with a reference id; the operator gets one log record with the
same id and the traceback. Nothing of the exception (which may quote the arguments, a
path or SQL) reaches the channel.
"""

from __future__ import annotations

import logging
import secrets

from bot.commands.arguments import error
from bot.models import Message

FAILED = "Something went wrong answering that (reference {ref}); it has been logged."


def reference() -> str:
    return secrets.token_hex(4)


def failed(log: logging.Logger, what: str, exc: BaseException) -> Message:
    """Log `exc` once, under a new reference id, and return the line for the caller."""
    ref = reference()
    log.error("%s failed [ref %s]: %s", what[:60], ref, type(exc).__name__, exc_info=exc)
    return error(FAILED.format(ref=ref))
