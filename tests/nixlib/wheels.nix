# nix/lib/wheels.nix (the full compatibility table is tests/test_wheel_tags.py)
{ library, fake, ... }:
let
  on = args: library.wheels.forPython (fake.python args);
  fits = args: file: (on args).score file != null;
in
[
  { name = "pure wheel"; expr = fits { } "a-1-py3-none-any.whl"; expected = true; }
  { name = "cp312 on 3.12"; expr = fits { } "a-1-cp312-cp312-manylinux_2_17_x86_64.whl"; expected = true; }
  { name = "cp311 not on 3.12"; expr = fits { } "a-1-cp311-cp311-manylinux_2_17_x86_64.whl"; expected = false; }
  { name = "abi3 from 3.8 on 3.12"; expr = fits { } "a-1-cp38-abi3-manylinux2014_x86_64.whl"; expected = true; }
  { name = "glibc too old"; expr = fits { } "a-1-py3-none-manylinux_2_41_x86_64.whl"; expected = false; }
  { name = "macOS on Linux"; expr = fits { } "a-1-py3-none-macosx_11_0_arm64.whl"; expected = false; }
  {
    name = "macOS arm64 on aarch64-darwin";
    expr = fits { system = "aarch64-darwin"; } "a-1-py3-none-macosx_11_0_arm64.whl";
    expected = true;
  }
  {
    name = "specific beats generic";
    expr =
      (on { }).score "a-1-cp312-cp312-manylinux_2_17_x86_64.whl" > (on { }).score "a-1-py3-none-any.whl";
    expected = true;
  }
  { name = "not a wheel name"; expr = (on { }).score "a.whl"; expected = null; }
  {
    name = "manylinux list";
    expr = map (on { }).manylinux [
      "a-1-py3-none-manylinux1_x86_64.whl"
      "a-1-py3-none-manylinux_2_28_x86_64.whl"
      "a-1-py3-none-any.whl"
    ];
    expected = [
      "manylinux1"
      "manylinux2014"
      null
    ];
  }
  {
    name = "no manylinux list on darwin";
    expr = (on { system = "aarch64-darwin"; }).manylinux "a-1-py3-none-manylinux1_x86_64.whl";
    expected = null;
  }
]
