"""Where grammar/agrad.lark is: package data of `agrad.grammar` in a wheel, or the checkout's
top-level grammar/ folder in an editable install (setuptools maps it to the same package)."""

from __future__ import annotations

import os
from importlib.util import find_spec


def path() -> str:
    # The folder of the data package agrad.grammar, found without importing it as code: it holds
    # no code, and (mapped from outside src/agrad in an editable install) it is no layer of agrad.
    (folder,) = find_spec("agrad.grammar").submodule_search_locations
    return os.path.join(folder, "agrad.lark")


def text() -> str:
    with open(path(), encoding="utf-8") as fh:
        return fh.read()
