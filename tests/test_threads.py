"""The modes (grad mode, float32 rounding, the cost budget, scalar_exact) are per thread and per
asyncio task: many threads running a mix of lesson options at once get exactly, to the last bit,
what one thread alone gets, and leave nothing behind."""

from __future__ import annotations

import asyncio
import random
import sys
import threading

import pytest

import agrad
from agrad.engine import vector_kernels
from agrad.engine.tensor import dtype_mode, is_grad_enabled, no_grad, tensor
from agrad.errors import AgradError

CASES = [
    ("x/3", {"x": 1.0}, {"dtype": "float32"}),
    ("sum(x^2)", {"x": [1, 2]}, {}),
    ("x*w", {"x": 2, "w": 3}, {}),  # the compiled fast scalar path
    ("sin(x)*exp(w)/(1+x^2)", {"x": 0.3, "w": -1.25}, {}),  # fast path, more ops
    ("sin(x)*exp(w)/(1+x^2)", {"x": 0.3, "w": -1.25}, {"dtype": "float32"}),
    ("x*w + w", {"x": 2, "w": 3}, {"no_grad": ["w"]}),
    ("detach(x*w)*x + no_grad(x*x)*w", {"x": 1.5, "w": -2}, {}),
    ("h = x*w; h*h", {"x": 1.5, "w": 0.7}, {"retain_grad": ["h"], "hooks": [("h", "g*3")]}),
    ("x*x*w", {"x": 1.1, "w": 0.9}, {"backward_passes": 3}),
    ("x*x*w", {"x": 1.1, "w": 0.9}, {"backward_passes": 3, "zero_grad": True}),
    ("x^x", {"x": 0.7}, {"order": 4}),
    ("grad(grad(x^3*w, x), x)", {"x": 0.7, "w": 2.0}, {}),
    ("sum(x^3) * w", {"x": [0.5, -1.5, 2.0], "w": 1.25}, {"hessian": True}),
    ("sin(x)*x", {"x": [0.1, 0.2, 0.3]}, {"jacobian": True}),
    ("exp(x)*x", {"x": [0.1, 0.2, 0.3]}, {"gradient": [1.0, 0.5, -2.0], "dtype": "float32"}),
    ("x[0]*x[1] + x[2] + x[0]", {"x": [1.25, -2.0, 3.0]}, {}),
    ("prod(x) + norm(x) + max(x)", {"x": [1.0, 3.0, 3.0]}, {"trace": True}),
    ("sum(sin(x)^2)", {"x": [0.1, 2.0, 3.0e5]}, {"exact": True}),  # under scalar_exact()
    ("x^x + 1/x", {"x": 0.7}, {"dtype": "float32", "order": 2}),
    ("x^x", {"x": 0.7}, {"order": 30, "max_nodes": 2000, "taylor": False}),  # nested passes past their budget: a LimitError
]


def outcome(source, bindings, options) -> str:
    """Everything a result says, as text that tells every bit (repr of floats)."""
    options = dict(options)
    exact = options.pop("exact", False)
    try:
        if exact:
            with vector_kernels.scalar_exact():
                r = agrad.run(source, bindings, **options)
        else:
            r = agrad.run(source, bindings, **options)
    except AgradError as exc:
        return f"{exc.kind}: {exc.message}"
    return repr((r.value, r.grads, r.passes, r.derivatives, r.hessian, r.jacobian, r.grad_fn, r.requires_grad,
                 [len(t) for t in r.trace], r.dtype))


def test_cases_are_what_they_claim():
    expected = {i: outcome(*case) for i, case in enumerate(CASES)}
    assert expected[0].startswith("(0.3333333432674408, {'x': 0.3333333432674408}")  # float32
    assert expected[1].startswith("(5.0, {'x': [2.0, 4.0]}")
    assert expected[2].startswith("(6.0, {'x': 3.0, 'w': 2.0}")
    assert expected[19].startswith("limit: ") and "--max-nodes" in expected[19]


def test_many_threads_get_the_single_threaded_results():
    expected = [outcome(*case) for case in CASES]
    wrong = []
    start = threading.Barrier(8)

    def worker(seed):
        order = list(range(len(CASES))) * 6
        random.Random(seed).shuffle(order)
        start.wait()
        for i in order:
            got = outcome(*CASES[i])
            if got != expected[i]:
                wrong.append((i, got, expected[i]))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, inside evaluations, as a loaded machine may
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []
    # and nothing is left behind for the rest of the process
    assert is_grad_enabled()
    assert agrad.evaluate("x*w", x=2, w=3).grads == {"x": 3.0, "w": 2.0}
    assert agrad.run("x/3", {"x": 1.0}, fast=False).value == 1.0 / 3.0


def test_a_thread_in_no_grad_or_float32_does_not_change_another():
    inside = threading.Event()
    done = threading.Event()

    def holder():
        with no_grad(), dtype_mode("float32"):
            inside.set()
            done.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(10)
    try:
        r = agrad.run("x/3 + w", {"x": 1.0, "w": 0.0}, fast=False)
        assert r.value == 1.0 / 3.0 and r.grads == {"x": 1.0 / 3.0, "w": 1.0}
    finally:
        done.set()
        t.join()


@pytest.mark.parametrize("n", [16])
def test_asyncio_tasks_keep_their_own_modes(n):
    async def holds_no_grad():
        with no_grad(), dtype_mode("float32"):
            await asyncio.sleep(0.01)  # other tasks run here
            r = tensor(1.0, requires_grad=True) / 3  # the engine's own ops, under this task's modes
            await asyncio.sleep(0)
            assert not is_grad_enabled()
            return r.value, r.requires_grad

    async def evaluates(i):
        await asyncio.sleep(0)
        r = agrad.run("x*w/3", {"x": float(i), "w": 2.0}, fast=False)
        await asyncio.sleep(0)
        return r.value, r.grads

    async def main():
        tasks = [asyncio.create_task(holds_no_grad()) for _ in range(n)]
        tasks += [asyncio.create_task(evaluates(i)) for i in range(n)]
        return await asyncio.gather(*tasks)

    alone = [agrad.run("x*w/3", {"x": float(i), "w": 2.0}, fast=False) for i in range(n)]
    results = asyncio.run(main())
    for value, requires_grad in results[:n]:
        assert value == 0.3333333432674408 and requires_grad is False  # float32, no graph
    for i, (value, grads) in enumerate(results[n:]):
        assert (value, grads) == (alone[i].value, alone[i].grads) and grads["x"] == 2.0 / 3.0
    assert is_grad_enabled()
