"""Issue 13: every class of real lock lock2nix refused translates (tests/fixtures/realocks).

Each fixture is a real lock (or one made with the real client, MANIFEST.md
there); it is translated offline from the recorded answers
(tests/data/realocks-cache), its overlay parsed and its model validated, and
every locked package instantiated through the project's package set on
python 3.11 to 3.13, x86_64-linux and aarch64-darwin, against the stand-in.
Classes 2 and 3 are refused without --allow-insecure-hashes.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from .conftest import REPO
from .nixeval import comment_text, eval_json, lock_set, nix_str, parse_file
from .realocks_cases import CASES, make_tag_repository, seed_cache, stage

SCHEMA = json.loads((REPO / "schemas" / "lock-model.schema.json").read_text())
SYSTEMS = ("x86_64-linux", "aarch64-darwin")
PYTHONS = ("python311", "python312", "python313")
# Resolving a git tag asks the repository (a local one here): not offline.
NEEDS_REPOSITORY = {"poetry012-git-tag"}


def lock2nix(*args: str, cwd: Path, cache: Path, offline: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "lock2nix", "--cache-dir", str(cache), *args]
    if offline:
        command.insert(3, "--offline")
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=dict(os.environ))


def sri(hex_digest: str) -> str:
    return "sha256-" + base64.b64encode(bytes.fromhex(hex_digest)).decode()


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return seed_cache(tmp_path_factory.mktemp("realocks-cache"))


@pytest.fixture(scope="module")
def translated(tmp_path_factory, cache) -> dict[str, tuple[Path, str, dict]]:
    """Each fixture's overlay path, stderr and model, made once for the module."""
    out = {}
    for case, spec in CASES.items():
        lock = stage(case, tmp_path_factory.mktemp("realocks"))
        offline = case not in NEEDS_REPOSITORY
        result = lock2nix(lock.name, *spec.options, "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=offline)
        assert result.returncode == 0, f"{case}: {result.stderr}"
        model = lock2nix(lock.name, *spec.options, "--emit", "model", cwd=lock.parent, cache=cache, offline=offline)
        assert model.returncode == 0, f"{case}: {model.stderr}"
        out[case] = (lock.parent / "overlay.nix", result.stderr, json.loads(model.stdout))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_overlay_parses_and_model_validates(case: str, translated) -> None:
    overlay, _, model = translated[case]
    parse_file(overlay)
    jsonschema.validate(model, SCHEMA)
    assert model["packages"]


# --- instantiation --------------------------------------------------------------------


def _instantiate(overlay: Path, system: str) -> dict:
    pkgs = (
        f"(import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }})"
    )
    per_python = []
    for python in PYTHONS:
        per_python.append(
            f"{python} = let set = {lock_set(pkgs, python)}; "
            f"project = builtins.head (builtins.attrValues {pkgs}.lock2nixProjects); "
            f"env = project.withPython {pkgs}.{python}; "
            "try = v: let t = builtins.tryEval (if v == null then \"null\" else v.drvPath); "
            "in if t.success then t.value else \"THROW\"; "
            "in { packages = builtins.listToAttrs (map (n: { name = n; value = try set.${n}; }) project.lockedNames); "
            "runtimeEnv = try env.runtimeEnv; devEnv = try env.devEnv; "
            "package = if env ? package then try env.package else \"none\"; };"
        )
    return eval_json("{ " + " ".join(per_python) + " }", timeout=900)


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_package_instantiates(case: str, system: str, translated) -> None:
    overlay, _, model = translated[case]
    result = _instantiate(overlay, system)
    names = {p["name"] for p in model["packages"]}
    for python in PYTHONS:
        packages = result[python]["packages"]
        assert names <= set(packages), f"{python}: the set lacks {sorted(names - set(packages))}"
        bad = {n: v for n, v in packages.items() if not v.endswith(".drv")}
        assert not bad, f"{case} {python} {system}: {bad}"
        for env in ("runtimeEnv", "devEnv"):
            assert result[python][env].endswith(".drv"), (python, env, result[python][env])
        assert result[python]["package"] == "none" or result[python]["package"].endswith(".drv")


# --- class 1: one name and version locked twice ------------------------------------------

LINUX_WHEEL = "psutil-5.9.8-cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
DARWIN_WHEEL = "psutil-5.9.8-cp38-abi3-macosx_11_0_arm64.whl"


@pytest.mark.parametrize("case", ["poetry18-url-wheel-per-platform", "poetry25-url-wheel-per-platform"])
def test_one_version_from_two_sources_is_chosen_by_markers(case: str, translated) -> None:
    overlay, _, model = translated[case]
    psutil = [p for p in model["packages"] if p["name"] == "psutil"]
    assert sorted(p["variant"] for p in psutil) == sorted([LINUX_WHEEL, DARWIN_WHEEL])
    by_variant = {p["variant"]: p["marker"] for p in psutil}
    assert "linux" in by_variant[LINUX_WHEEL] and "x86_64" in by_variant[LINUX_WHEEL]
    assert "darwin" in by_variant[DARWIN_WHEEL] and "arm64" in by_variant[DARWIN_WHEEL]
    text = overlay.read_text()
    assert "5.9.8 locked 2 times, from different sources; markers pick one" in comment_text(text)
    pkgs = "(import ./tests/nixpkgs {{ system = {}; hostPython = {}; overlays = [ (import {}) ]; }})"
    for system, wheel in (("x86_64-linux", LINUX_WHEEL), ("aarch64-darwin", DARWIN_WHEEL)):
        expr = pkgs.format(nix_str(system), nix_str(sys.executable), overlay)
        for python in PYTHONS:
            assert eval_json(f"{lock_set(expr, python)}.psutil.src.name") == wheel
    # Elsewhere no locked entry applies: the package set's own (none in the stand-in).
    expr = pkgs.format(nix_str("aarch64-linux"), nix_str(sys.executable), overlay)
    assert eval_json(f"{lock_set(expr)}.psutil == null") is True


def test_one_version_twice_without_markers_is_refused(tmp_path, cache) -> None:
    """Lock 2.0 with no requirement telling the two apart: an error naming the entry."""
    lock = stage("poetry18-url-wheel-per-platform", tmp_path)
    pyproject = lock.parent / "pyproject.toml"
    pyproject.write_text(re.sub(r', markers = "[^"]*"', "", pyproject.read_text()))
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "poetry.lock:" in result.stderr and "package 'psutil' (5.9.8) is locked more than once" in result.stderr
    assert not (lock.parent / "overlay.nix").exists()


# --- classes 2 and 3: no files, no hashes ------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("poetry11-no-files", "poetry.lock:2: package 'fire' (0.4.0): the lock records no files for this package"),
        ("pypa__pipfile__2017-no-hashes", "Pipfile.lock:18: package 'certifi' in 'default': the lock records no hashes"),
    ],
)
def test_unpinned_locks_are_refused_without_the_option(case: str, message: str, tmp_path, cache) -> None:
    lock = stage(case, tmp_path)
    (lock.parent / "overlay.nix").write_text("previous\n")
    result = lock2nix(lock.name, "-o", "overlay.nix", cwd=lock.parent, cache=cache)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr and "--allow-insecure-hashes" in result.stderr
    assert (lock.parent / "overlay.nix").read_text() == "previous\n"


def _index_files(cache: Path, index: str, project: str) -> dict:
    from lock2nix.resolve.index import IndexCache

    cached = IndexCache(cache).load(index, project)
    assert cached is not None, (index, project)
    return cached.files


def test_files_the_lock_does_not_record_come_from_the_index(translated, cache) -> None:
    overlay, stderr, model = translated["poetry11-no-files"]
    assert "no usable file is locked for 3 packages: package 'fire' (0.4.0), package 'six' (1.17.0), " \
           "package 'termcolor' (3.1.0); taking the files of these versions from http://127.0.0.1:3141/simple/" in stderr
    text = overlay.read_text()
    for package in model["packages"]:
        source = package["source"]
        assert source["kind"] == "index" and source["url"] == "http://127.0.0.1:3141/simple/"
        listed = _index_files(cache, source["url"], package["name"])
        artifacts = source.get("wheels", []) + [source["sdist"]]
        assert artifacts
        for artifact in artifacts:
            # Pinned by the sha256 the index lists for that file of that version.
            assert listed[artifact["filename"]].sha256 == artifact["hashes"]["sha256"]
            assert package["version"] in artifact["filename"]
            assert sri(artifact["hashes"]["sha256"]) in text


def test_a_pipfile_lock_without_hashes_takes_the_index_files(translated, cache) -> None:
    overlay, stderr, model = translated["pypa__pipfile__2017-no-hashes"]
    assert "the lock records no sha256 for 24 packages: package 'certifi' (2017.7.27.1, default)" in stderr
    assert "taking the files of these versions from https://pypi.org/simple/" in stderr
    by_name = {p["name"]: p for p in model["packages"]}
    numpy = by_name["numpy"]["source"]
    listed = _index_files(cache, "https://pypi.org/simple/", "numpy")
    assert numpy["sdist"]["filename"] == "numpy-1.13.1.zip"
    assert listed["numpy-1.13.1.zip"].sha256 == numpy["sdist"]["hashes"]["sha256"]
    # Dependency edges come from the metadata of the files taken (Pipfile.lock records none).
    assert {d["name"] for d in by_name["requests"]["dependencies"]} == {"certifi", "chardet", "idna", "urllib3"}
    # django (github.com, unreachable here) is the package set's own, as lock2nix.toml says.
    assert "django: not taken from the lock (lock2nix.toml: github.com is unreachable" in comment_text(overlay.read_text())


# --- class 4: Poetry < 1.0 path dependencies -----------------------------------------------------


def test_old_poetry_path_dependencies_are_file_sources(translated) -> None:
    overlay, _, model = translated["poetry012-path-deps"]
    import tomllib

    lock = tomllib.loads((REPO / "tests/fixtures/realocks/poetry012-path-deps/poetry.lock").read_text())
    digests = lock["metadata"]["hashes"]
    by_name = {p["name"]: p for p in model["packages"]}
    for name, filename in (("localwheel", "localwheel-1.0-py3-none-any.whl"), ("localsdist", "localsdist-1.0.tar.gz")):
        source = by_name[name]["source"]
        assert source == {
            "kind": "archive",
            "path": f"dist/{filename}",
            "artifact": {"filename": filename, "hashes": {"sha256": digests[name][0]}, **(
                {"tags": ["py3-none-any"]} if filename.endswith(".whl") else {})},
        }
    assert by_name["localsdist"]["groups"] == ["dev"] and by_name["localwheel"]["groups"] == ["main"]
    # An index package of [metadata.hashes]: its files found by those digests.
    six = by_name["six"]["source"]
    found = sorted(a["hashes"]["sha256"] for a in [*six["wheels"], six["sdist"]])
    assert found == sorted(digests["six"])
    text = overlay.read_text()
    assert "src = ./dist/localwheel-1.0-py3-none-any.whl;" in text
    assert "src = ./dist/localsdist-1.0.tar.gz;" in text


def test_a_path_file_differing_from_no_recorded_hash_is_hashed_from_the_file(tmp_path, cache) -> None:
    """A file source the lock records no digest for is hashed from the file beside the lock."""
    lock = stage("poetry012-path-deps", tmp_path)
    lock.write_text(re.sub(r"localwheel = \[[^\]]*\]", "localwheel = []", lock.read_text()))
    result = lock2nix("poetry.lock", "--emit", "model", cwd=lock.parent, cache=cache)
    assert result.returncode == 0, result.stderr
    wheel = next(p for p in json.loads(result.stdout)["packages"] if p["name"] == "localwheel")
    import hashlib

    expected = hashlib.sha256((lock.parent / "dist/localwheel-1.0-py3-none-any.whl").read_bytes()).hexdigest()
    assert wheel["source"]["artifact"]["hashes"]["sha256"] == expected
    (lock.parent / "dist/localwheel-1.0-py3-none-any.whl").unlink()
    result = lock2nix("poetry.lock", "--emit", "model", cwd=lock.parent, cache=cache)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "package 'localwheel' (1.0): the lock records no hash for 'dist/localwheel-1.0-py3-none-any.whl'" in result.stderr


# --- class 6: git branches and tags -----------------------------------------------------------------


def test_a_git_tag_is_resolved_to_its_commit(translated, tmp_path) -> None:
    overlay, stderr, model = translated["poetry012-git-tag"]
    source = model["packages"][0]["source"]
    url = source["url"]
    assert url.startswith("file://") and source["requested-revision"] == "v1.0"
    assert source["resolved-ref"] == "refs/tags/v1.0"
    # The commit the tag names, not the branch head one commit further.
    tagged = subprocess.run(
        ["git", "rev-parse", "v1.0^{commit}"], cwd=url.removeprefix("file://"), capture_output=True, text=True, check=True
    ).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "main"], cwd=url.removeprefix("file://"), capture_output=True,
                          text=True, check=True).stdout.strip()
    assert source["commit-id"] == tagged != head
    assert f"the lock names git tag 'v1.0', not a commit; took {tagged} (refs/tags/v1.0 of {url} now)" in stderr
    text = overlay.read_text()
    assert f'rev = "{tagged}";' in text
    assert f"the lock names git ref 'v1.0', not a commit; refs/tags/v1.0 was {tagged} when translated" in comment_text(text)


def test_a_pipfile_git_tag_is_resolved(tmp_path, cache) -> None:
    """The real Pipfile.lock's django ``ref = "1.11.4"``, its repository replaced by a local one with that tag."""
    lock = stage("pypa__pipfile__2017-no-hashes", tmp_path, configure=False)
    url, tagged = make_tag_repository(tmp_path / "repos", tag="1.11.4")
    lock.write_text(lock.read_text().replace("https://github.com/django/django.git", url))
    result = lock2nix("Pipfile.lock", "--allow-insecure-hashes", "--emit", "model", cwd=lock.parent, cache=cache,
                      offline=False)
    assert result.returncode == 0, result.stderr
    django = next(p for p in json.loads(result.stdout)["packages"] if p["name"] == "django")
    assert django["source"]["commit-id"] == tagged and django["source"]["resolved-ref"] == "refs/tags/1.11.4"
    assert f"package 'django' (git, default): the lock names git tag '1.11.4', not a commit; took {tagged}" in result.stderr


def test_a_git_branch_takes_its_head_and_a_missing_ref_is_an_error(tmp_path, cache) -> None:
    lock = stage("poetry012-git-tag", tmp_path)
    repo = re.search(r'url = "file://([^"]+)"', lock.read_text()).group(1)
    head = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    lock.write_text(lock.read_text().replace('reference = "v1.0"', 'reference = "main"'))
    result = lock2nix("poetry.lock", "--emit", "model", cwd=lock.parent, cache=cache, offline=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["packages"][0]["source"]["commit-id"] == head
    assert "the lock names git branch 'main', not a commit" in result.stderr

    lock.write_text(lock.read_text().replace('reference = "main"', 'reference = "v9"'))
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=False)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "poetry.lock: package 'tinygit' (1.0): file://" in result.stderr and "has no branch or tag 'v9'" in result.stderr


def test_a_moved_branch_is_asked_again_on_the_next_run(tmp_path, cache) -> None:
    """The snapshot of the last translation does not freeze a branch: its commit is asked each run."""
    lock = stage("poetry012-git-tag", tmp_path)
    repo = re.search(r'url = "file://([^"]+)"', lock.read_text()).group(1)
    lock.write_text(lock.read_text().replace('reference = "v1.0"', 'reference = "main"'))
    first = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=False)
    assert first.returncode == 0, first.stderr
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    (Path(repo) / "NEWS").write_text("moved\n")
    subprocess.run([*git, "commit", "-qam", "moved"], cwd=repo, check=True, env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})
    head = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    assert f'rev = "{head}";' not in (lock.parent / "overlay.nix").read_text()
    # The lock is unchanged, so the overlay is current: --force translates it again.
    second = lock2nix("poetry.lock", "--force", "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=False)
    assert second.returncode == 0, second.stderr
    assert f'rev = "{head}";' in (lock.parent / "overlay.nix").read_text()


def test_a_git_ref_offline_is_an_error_naming_the_entry(tmp_path, cache) -> None:
    lock = stage("poetry012-git-tag", tmp_path)
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "poetry.lock: package 'tinygit' (1.0): the lock pins git ref 'v1.0'" in result.stderr
    assert "--offline forbids" in result.stderr
    assert not (lock.parent / "overlay.nix").exists()


# --- class 7: hosts that cannot be reached ----------------------------------------------------------

# Nothing listens on the discard port of the loopback: the connection is refused at once.
UNREACHABLE = "http://127.0.0.1:9"


def _one_line_naming_the_fix(result: subprocess.CompletedProcess, entry: str, name: str) -> None:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert entry in result.stderr
    assert f'[tool.lock2nix.package.{name}] src = "<path>"' in result.stderr and "skip = true" in result.stderr


def test_an_unreachable_git_host_names_the_entry_and_the_fix(tmp_path, cache) -> None:
    lock = stage("poetry012-git-tag", tmp_path)
    lock.write_text(re.sub(r'url = "file://[^"]+"', f'url = "{UNREACHABLE}/tinygit.git"', lock.read_text()))
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=False)
    _one_line_naming_the_fix(result, "poetry.lock: package 'tinygit' (1.0): cannot resolve git ref 'v1.0'", "tinygit")


def test_an_unreachable_index_names_the_entry_and_the_fix(tmp_path) -> None:
    lock = stage("poetry11-no-files", tmp_path)
    lock.write_text(lock.read_text().replace("http://127.0.0.1:3141/simple", f"{UNREACHABLE}/simple"))
    result = lock2nix("poetry.lock", "--allow-insecure-hashes", "-o", "overlay.nix", cwd=lock.parent,
                      cache=tmp_path / "empty-cache", offline=False)
    # The warning about taking files from the index, then the error.
    error = result.stderr.splitlines()[-1]
    assert result.returncode == 2 and error.startswith("lock2nix: error: poetry.lock: package '"), result.stderr
    assert "could not read http://127.0.0.1:9/simple/" in error
    assert "give the package a local copy ([tool.lock2nix.package." in error and "skip = true" in error


def test_a_local_src_replaces_the_unreachable_source(tmp_path, cache) -> None:
    """``src`` in [tool.lock2nix.package.<name>]: the local copy is built; the host is never asked."""
    lock = stage("poetry012-git-tag", tmp_path)
    checkout = re.search(r'url = "file://([^"]+)"', lock.read_text()).group(1)
    lock.write_text(re.sub(r'url = "file://[^"]+"', f'url = "{UNREACHABLE}/tinygit.git"', lock.read_text()))
    (lock.parent / "lock2nix.toml").write_text(
        f'[package.tinygit]\nreason = "the git host is unreachable"\nsrc = "{os.path.relpath(checkout, lock.parent)}"\n'
    )
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=True)
    assert result.returncode == 0, result.stderr
    text = (lock.parent / "overlay.nix").read_text()
    relative = os.path.relpath(checkout, lock.parent)
    assert f'src = cleanSource "tinygit-source" ./{relative};' in text
    assert "lock2nix.toml: the git host is unreachable src: a local copy instead of the locked source" in comment_text(text)
    assert "fetchgit" not in text
    model = json.loads(lock2nix("poetry.lock", "--emit", "model", cwd=lock.parent, cache=cache).stdout)
    assert model["packages"][0]["source"] == {"kind": "directory", "path": relative, "editable": False}
    parse_file(lock.parent / "overlay.nix")
    pkgs = (f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; "
            f"overlays = [ (import {lock.parent / 'overlay.nix'}) ]; }})")
    assert eval_json(f"{lock_set(pkgs)}.tinygit.drvPath").endswith(".drv")


def test_skip_leaves_the_unreachable_source_alone(tmp_path, cache) -> None:
    lock = stage("poetry012-git-tag", tmp_path)
    lock.write_text(re.sub(r'url = "file://[^"]+"', f'url = "{UNREACHABLE}/tinygit.git"', lock.read_text()))
    (lock.parent / "lock2nix.toml").write_text('[package.tinygit]\nreason = "the git host is unreachable"\nskip = true\n')
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache, offline=True)
    assert result.returncode == 0, result.stderr
    text = (lock.parent / "overlay.nix").read_text()
    assert "tinygit = pyPrev.tinygit;" in text and "fetchgit" not in text
    model = json.loads(lock2nix("poetry.lock", "--emit", "model", cwd=lock.parent, cache=cache).stdout)
    jsonschema.validate(model, SCHEMA)  # the unresolved git source validates (requested-revision, no commit)


def test_a_missing_src_is_an_error_naming_the_configuration(tmp_path, cache) -> None:
    lock = stage("poetry012-git-tag", tmp_path)
    (lock.parent / "lock2nix.toml").write_text('[package.tinygit]\nsrc = "vendor/tinygit"\n')
    result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=cache)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "lock2nix.toml: package.tinygit: src " in result.stderr and "does not exist" in result.stderr
