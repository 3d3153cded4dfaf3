"""RunOptions: one frozen object for agrad.run's options, built once and passed whole."""

import pickle

import pytest

import agrad
from agrad.evaluation.options import DEFAULT, RunOptions


def test_run_options_are_frozen_and_replace_makes_a_changed_copy():
    options = RunOptions(no_grad=["w"], hooks=[["x", "g*10"]], order="2")
    assert options.no_grad == frozenset({"w"}) and options.hooks == (("x", "g*10"),) and options.order == 2
    with pytest.raises(AttributeError, match="frozen"):
        options.order = 3
    changed = options.replace(order=3)
    assert (options.order, changed.order, changed.no_grad) == (2, 3, frozenset({"w"}))
    assert options.replace() is options
    with pytest.raises(TypeError, match="unexpected keyword argument 'orders'"):
        RunOptions(orders=2)


def test_only_default_options_leave_a_scalar_program_to_the_fast_path():
    assert DEFAULT.plain and RunOptions(max_source_bytes=10).plain
    for given in [{"no_grad": ["x"]}, {"trace": True}, {"backward_passes": 2}, {"dtype": "float32"},
                  {"gradient": 2.0}, {"jacobian": True}, {"fast": False}]:
        assert not RunOptions(**given).plain, given


def test_run_options_travel_to_workers_whole():
    options = RunOptions(retain_grad=("y",), gradient=[1.0, 0.5], max_source_bytes=100)
    copy = pickle.loads(pickle.dumps(options))
    assert copy.given() == options.given() == {"retain_grad": ("y",), "gradient": [1.0, 0.5],
                                               "max_source_bytes": 100}


def test_agrad_run_takes_the_object_or_its_fields_as_keywords():
    # d/dx of x^2*w at x=3, w=2: 2*x*w = 12; the second derivative 2*w = 4
    by_keywords = agrad.run("x^2*w", {"x": 3, "w": 2}, order=2, no_grad=("w",))
    by_object = agrad.run("x^2*w", {"x": 3, "w": 2}, agrad.RunOptions(order=2, no_grad=("w",)))
    mixed = agrad.run("x^2*w", {"x": 3, "w": 2}, agrad.RunOptions(no_grad=("w",)), order=2)
    for result in (by_keywords, by_object, mixed):
        assert result.grads == {"x": 12.0, "w": None} and result.derivatives == {"x": [12.0, 4.0]}
