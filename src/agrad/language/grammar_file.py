"""Where grammar/agrad.lark is: package data of `agrad.grammar` in a wheel, or the checkout's
top-level grammar/ folder in an editable install (setuptools maps it to the same package)."""

from __future__ import annotations

import os


def path() -> str:
    import agrad.grammar

    return os.path.join(os.path.dirname(agrad.grammar.__file__), "agrad.lark")


def text() -> str:
    with open(path(), encoding="utf-8") as fh:
        return fh.read()
