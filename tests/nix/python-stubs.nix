# A test overlay for the nixpkgs stand-in: every name in `names` that an
# interpreter's Python set lacks becomes a Python module there, at version "0"
# (a version no test input asks for), that instantiates but refuses to build,
# like the stand-in's own unmodelled attributes. With it, an environment's
# members that come from nixpkgs all exist in nixpkgs' Python set, and none has
# the version a file pins: an exact pin is met only by the lock's own package.
names: final: prev: {
  pythonPackagesExtensions = (prev.pythonPackagesExtensions or [ ]) ++ [
    (
      pyFinal: pyPrev:
      builtins.listToAttrs (
        map (name: {
          inherit name;
          value = pyFinal.toPythonModule (
            final.stdenv.mkDerivation {
              name = "python${pyFinal.python.pythonVersion}-${name}-stub";
              pname = name;
              version = "0";
              buildCommand = ''
                echo "tests/nix/python-stubs.nix: ${name} is a stub of the test nixpkgs" >&2
                exit 1
              '';
            }
          );
        }) (builtins.filter (name: !(pyPrev ? ${name})) names)
      )
    )
  ];
}
