"""A call that might wait forever on a FIFO nobody writes to, run so that a test fails instead."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def without_a_writer(fifo: Path, call: Callable[[], T], seconds: float = 10) -> T:
    """The result (or exception) of `call`, which reads `fifo`; AssertionError if it
    is still waiting after `seconds`, after which a writer opens and closes the
    FIFO so that the waiting thread ends rather than outlive the test."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY))  # the reader waits in open: this ends its wait
        thread.join(seconds)
        raise AssertionError(f"still waiting on the FIFO {fifo} after {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
