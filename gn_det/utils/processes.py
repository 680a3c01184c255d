"""Which process wrote a file: this host's name and whether a process id is still running."""

import os
import socket

HOST = socket.gethostname()


def process_alive(pid):
    """True if a process with id ``pid`` runs on this host (or may: it belongs to another user)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
