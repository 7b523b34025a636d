"""Races: calls started together in threads, each answer (or exception) kept for the test."""

from __future__ import annotations

import threading
from collections.abc import Callable


def together(*calls: Callable[[], object], app=None, seconds: float = 120) -> list[object]:
    """Run each `call()` in its own thread (inside `app`'s context when given), all released at
    once; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        barrier.wait(30)
        try:
            results[i] = call()
        except Exception as e:  # the test judges it, with the others
            results[i] = e

    def in_context(i: int, call: Callable[[], object]) -> None:
        if app is None:
            run(i, call)
            return
        with app.app_context():
            run(i, call)

    threads = [threading.Thread(target=in_context, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds)
    assert not any(t.is_alive() for t in threads), "a thread is still running"
    return results
