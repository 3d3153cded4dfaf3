"""The switch of --anomaly: the Watch of this thread or task (engine/anomaly.py), or None when
it is off. Apart from the detection itself so that what reads the switch on every run (the
lowering, once per expression; backward, once per pass) imports a few lines, not the checks."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

WATCH = contextvars.ContextVar("agrad_anomaly", default=None)
current = WATCH.get  # the Watch, or None


@contextmanager
def paused():
    """No detection inside: for a trial run whose values are not the program's (a hook's check
    with g = 1)."""
    token = WATCH.set(None)
    try:
        yield
    finally:
        WATCH.reset(token)
