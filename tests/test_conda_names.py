"""The conda name tables and the version-spec translation, table-driven.

Version specs are checked three ways: lock2nix's constraint (conda_names)
against the expected form; and, for a grid of versions, the Nix check the
overlay calls (nix/lib/conda.nix ``satisfies``) against rattler's own
``VersionSpec.matches``, so the evaluation-time check agrees with conda.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from lock2nix import conda_names
from lock2nix.conda_names import classify, conda_constraint, pep440_constraint

from .conftest import REPO
from .nixeval import eval_json, nix_str

SCHEMA = json.loads((REPO / "schemas" / "conda-names.schema.json").read_text())


@pytest.mark.parametrize("table", ["conda-python.json", "conda-tools.json"])
def test_tables_validate_and_are_sorted(table) -> None:
    data = json.loads((REPO / "overlays" / table).read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["mapping"], table


def test_no_name_in_both_tables() -> None:
    python, tools = conda_names.tables()
    assert not set(python) & set(tools)


@pytest.mark.parametrize(
    ("conda", "kind", "target", "attribute"),
    [
        # renamed Python packages
        ("pytorch", "python", "torch", None),
        ("matplotlib-base", "python", "matplotlib", None),
        ("msgpack-python", "python", "msgpack", None),
        ("py-opencv", "python", "opencv-python", "opencv4"),
        ("dask-core", "python", "dask", None),
        ("iris", "python", "scitools-iris", None),
        ("jupyterhub-singleuser", "python", "jupyterhub", None),
        # Python packages by name (conda-forge follows PyPI)
        ("numpy", "python", "numpy", None),
        ("typing_extensions", "python", "typing_extensions", None),
        ("types-PyYAML", "python", "types-pyyaml", None),
        # tools and libraries
        ("nodejs", "tool", "nodejs", None),
        ("r-base", "tool", "R", None),
        ("make", "tool", "gnumake", None),
        ("cxx-compiler", "tool", "gcc", None),
        ("zlib", "tool", "zlib", None),
        ("hdf5", "tool", "hdf5", None),
        # R packages by rule
        ("r-ggplot2", "r", "ggplot2", None),
        ("bioconductor-deseq2", "r", "deseq2", None),
        # nothing to install
        ("libgomp", "none", None, None),
        ("cuda-version", "none", None, None),
        ("pytorch-cuda", "none", None, None),
        ("_openmp_mutex", "none", None, None),
    ],
)
def test_classify(conda, kind, target, attribute) -> None:
    found = classify(conda)
    assert (found.kind, found.target, found.attribute) == (kind, target, attribute)
    assert not found.unknown
    assert found.note


@pytest.mark.parametrize("conda", ["libfoo", "foo-devel", "gcc_linux-64", "_private", "weird name"])
def test_names_that_cannot_be_python_are_unknown(conda) -> None:
    found = classify(conda)
    assert found.kind == "none" and found.unknown


def test_suggestions_come_from_the_tables() -> None:
    assert "pytorch" in conda_names.suggestions("pytorh")
    assert "r-base" in conda_names.suggestions("r-bse")
    assert conda_names.suggestions("zzzzzz") == []


def test_python_attribute_follows_renames() -> None:
    assert conda_names.python_attribute("opencv-python") == "opencv4"
    assert conda_names.python_attribute("Typing_Extensions") == "typing-extensions"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, ()),
        ("*", ()),
        ("==1.18.1", ((("==", "1.18.1"),),)),
        ("1.2.3", ((("==", "1.2.3"),),)),
        ("4.4.2.*", ((("=*", "4.4.2"),),)),
        ("1.2*", ((("=*", "1.2"),),)),
        (">=2.2", (((">=", "2.2"),),)),
        (">=1,<2|3.*", (((">=", "1"), ("<", "2")), (("=*", "3"),))),
        ("(>=1|<0.5),!=0.7", (((">=", "1"), ("!=", "0.7")), (("<", "0.5"), ("!=", "0.7")))),
        ("!=1.2.*", ((("!=*", "1.2"),),)),
        ("~=1.2", ((("~=", "1.2"),),)),
        ("1.1_3.*", ((("=*", "1.1_3"),),)),
    ],
)
def test_conda_constraint(spec, expected) -> None:
    assert conda_constraint(spec) == expected


@pytest.mark.parametrize("spec", ["(>=1", ">=1)", ">=", ">=1,", "1.0|"])
def test_malformed_conda_specs(spec) -> None:
    with pytest.raises(conda_names.SpecError):
        conda_constraint(spec)


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("", ()),
        (">=1.2,<2", (((("<", "2"), (">=", "1.2"))),)),
        ("==1.*", ((("=*", "1"),),)),
        ("~=2.1", ((("~=", "2.1"),),)),
        ("===1.0", ((("==", "1.0"),),)),
    ],
)
def test_pep440_constraint(specifier, expected) -> None:
    assert pep440_constraint(specifier) == expected


CONDA_SPECS = [
    ">=2.2", "<2", "==1.18.1", "1.2.*", "!=1.2.*", ">=1,<2|3.*", "~=1.2", "~=1.2.3", "1.1_3.*", "(>=1|<0.5),!=0.7",
    "20.*", ">1.0a1", "<=2.2.3.241126",
]
VERSIONS = [
    "0.4", "0.7", "1.0", "1.0.0", "1.1_3", "1.1.3", "1.2", "1.2.0", "1.2.3", "1.2.9", "1.3", "1.18.1", "1.18.10",
    "2", "2.1", "2.2", "2.2.0", "2.2.3.241126", "2.10", "3", "3.0.1", "20.19.5", "22.14.0",
]


def test_nix_check_agrees_with_rattler() -> None:
    from rattler import Version, VersionSpec

    cases = []
    expected = []
    for spec in CONDA_SPECS:
        parsed = VersionSpec(spec)
        constraint = [[list(r) for r in alt] for alt in conda_constraint(str(parsed))]
        for version in VERSIONS:
            cases.append({"v": version, "c": constraint})
            expected.append(parsed.matches(Version(version)))
    got = eval_json(
        "let c = (import ./translator/lock2nix/nix/lib { lib = import ./tests/nixpkgs/lib.nix; }).conda; in "
        f"map (x: c.satisfies x.v x.c) (builtins.fromJSON {nix_str(json.dumps(cases))})"
    )
    mismatches = [
        (case["v"], spec, want)
        for case, want, have, spec in zip(
            cases, expected, got, [s for s in CONDA_SPECS for _ in VERSIONS], strict=True
        )
        if want != have
    ]
    assert not mismatches, mismatches
