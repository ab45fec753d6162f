"""Waiting, in tests, for what a real worker does in its own time."""

import time


def wait_until(predicate, timeout: float = 60.0) -> bool:
    """Whether `predicate()` came true within `timeout` seconds (polled every 0.2 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
