"""Who a worker is, as leases name it, and what each role runs."""

from __future__ import annotations

import os
import socket
from enum import StrEnum


class Role(StrEnum):
    POLLER = "poller"  # polls due feeds: any number of processes
    DELIVERER = "deliverer"  # delivers the outbox: any number of processes
    GATEWAY = "gateway"  # the platforms' gateways: commands, digest, feed health
    ALL = "all"  # everything in one process (the only role a SQLite file allows)


def default_worker() -> str:
    """This process: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"
