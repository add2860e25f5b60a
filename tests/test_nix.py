"""The Nix emitter: every string it writes evaluates to exactly the input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lock2nix import nix

from .nixeval import eval_json

TRICKY = [
    "",
    "plain",
    'quote " inside',
    "back\\slash",
    "${builtins.abort \"boom\"}",
    "$${not interpolated}",
    "dollar at end $",
    "''${indented}",
    "line\nbreak\ttab\rreturn",
    "unicode ✓ ünï çødé 🐍",
    "\\${escaped?}",
    "'' two quotes",
    "%2B+cu118",
]


def test_tricky_strings_round_trip() -> None:
    exprs = " ".join(nix.string(s).code for s in TRICKY)
    assert eval_json(f"[ {exprs} ]") == TRICKY


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"))), min_size=1, max_size=25))
def test_arbitrary_strings_round_trip(values: list[str]) -> None:
    exprs = " ".join(nix.string(s).code for s in values)
    assert eval_json(f"[ {exprs} ]") == values


@pytest.mark.parametrize("bad", ["nul\x00byte", "bell\x07", "esc\x1b[0m", "del\x7f"])
def test_control_characters_are_refused(bad: str) -> None:
    with pytest.raises(nix.UnsafeNixString):
        nix.string(bad)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("requests", "requests"),
        ("typing-extensions", "typing-extensions"),
        ("zope_interface", "zope_interface"),
        ("2captcha", '"2captcha"'),
        ("if", '"if"'),
        ("with", '"with"'),
        ("a.b", '"a.b"'),
        ("${x}", '"\\${x}"'),
    ],
)
def test_attribute_names(name: str, code: str) -> None:
    assert nix.attr_name(name) == code
    assert eval_json(f"builtins.attrNames {{ {code} = 1; }}") == [name]


@pytest.mark.parametrize(
    ("relative", "code"),
    [
        (".", "./."),
        ("", "./."),
        ("..", "./.."),
        ("../sub/dir", "./../sub/dir"),
        ("dist/pkg-1.0.whl", "./dist/pkg-1.0.whl"),
        ("my dir/x", '(./. + "/my dir/x")'),
        ("ok/we ird/${x}", '(./ok + "/we ird/\\${x}")'),
    ],
)
def test_paths(relative: str, code: str) -> None:
    assert nix.path(relative).code == code
    # Paths resolve relative to the file they are written in.
    assert eval_json(f"builtins.typeOf {code}") == "path"


def test_layout_breaks_long_values_nixfmt_style() -> None:
    short = nix.render({"a": [1, 2], "b": "x"})
    assert short == '{ a = [ 1 2 ]; b = "x"; }'
    long = nix.render({"items": [f"item-number-{i}" for i in range(12)]})
    assert long.splitlines()[0] == "{"
    assert long.splitlines()[1] == "  items = ["
    assert eval_json(long) == {"items": [f"item-number-{i}" for i in range(12)]}


def test_calls_and_conditionals_parenthesise_arguments() -> None:
    value = nix.Concat(
        (
            [nix.Expr("1")],
            nix.Call(nix.Expr("(c: l: if c then l else [ ])"), nix.Expr("builtins.isInt 3"), [nix.Expr("2")]),
        )
    )
    code = nix.render({"x": value, "y": nix.IfElse(nix.Expr("1 < 2"), "yes", None)})
    assert eval_json(code) == {"x": [1, 2], "y": "yes"}


def test_a_long_condition_is_broken_only_where_it_chains() -> None:
    long = nix.string("x" * 120).code
    leaf = nix.Chain(f"{long} != {long}", frozenset(), 1)  # a comparison: no operands to break at
    chained = nix.Chain(f"{leaf.code} && true", frozenset(), 2, "&&", (leaf, nix.Expr("true")))
    for cond, lines in ((leaf, 1), (chained, 2)):
        code = nix.render({"y": nix.IfElse(cond, "yes", "no")})
        assert eval_json(code) == {"y": "no"}
        between = code.split(" if", 1)[1].split("then", 1)[0]
        assert len([line for line in between.splitlines() if line.strip()]) == lines, code


def test_comments_cannot_end_early() -> None:
    code = nix.render([nix.Commented(nix.Expr("1"), "note\nsecond line ${x}")])
    assert eval_json(code) == [1]
    assert json.dumps(code)  # rendered text is plain str
