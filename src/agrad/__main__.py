"""The `agrad` command (the console script) and `python -m agrad`.

A one-shot run is mostly start-up: importing Typer and agrad creates some hundred thousand
objects, and Python's cyclic garbage collector would scan them again and again while they are
created (and once more at exit) though none of them is garbage. So the collector is off during
the imports, and what they created is then frozen (gc.freeze: kept out of every later
collection) before the command runs with the collector back on; what the command itself
created (Rich, for the pretty output) is frozen too when it ends, before Python's collection at
exit.
"""

import gc
import sys


def run() -> None:
    gc.disable()
    try:
        from agrad.cli import main
    except KeyboardInterrupt:  # Ctrl-C while starting: as in a command, no traceback
        sys.stderr.write("agrad: interrupted\n")
        raise SystemExit(130) from None
    finally:
        gc.freeze()
        gc.enable()
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
