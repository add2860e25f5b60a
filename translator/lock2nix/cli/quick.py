"""The pre-commit hook's commonest run, answered before argparse: every overlay named is current.

That run reads the inputs and compares one digest. Building the argparse
parser (with gettext's locale lookups and shutil's terminal size) would cost
more than that work, so this module reads the plain command lines itself: a
lock, and the options of the main command each spelled out in full
(``--option value`` or ``--option=value``). Anything else (an abbreviation,
``-h``, ``init``, stdin, a value argparse would refuse) is left to argparse
in :mod:`.command`, which also goes on with every run that has work to do
(taking the reading and the inputs read here) or an error to report.
``tests/test_cli_quick.py`` checks that what is read here reads the same
with argparse, option by option.
"""

from __future__ import annotations

from types import SimpleNamespace

from .current import Check, check, is_current, targets

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["CHOICES", "DEFAULTS", "FLAGS", "VALUED", "Reading", "read", "recognise"]

#: Options taking a value, by option string: the attribute argparse stores it in.
VALUED = {
    "-o": "output", "--output": "output", "--emit": "emit", "--prefer": "prefer", "--scope": "scope",
    "--cache-dir": "cache_dir",
}
#: The values of the options restricted to some (:mod:`.command`'s parser takes its choices from here).
CHOICES = {"emit": ("overlay", "model", "pylock"), "prefer": ("wheel", "sdist"), "scope": ("project", "global")}
#: Options without a value, by option string.
FLAGS = {
    "--inline": "inline", "--offline": "offline", "--no-detect": "no_detect",
    "--allow-insecure-hashes": "allow_insecure_hashes", "--check": "check", "--pre-commit": "pre_commit",
    "--force": "force",
}
#: Every attribute of the main command's arguments, as argparse defaults it (``emit``'s default is from here).
DEFAULTS = {
    "lock": None, "output": None, "emit": "overlay", "prefer": None, "scope": None, "inline": False,
    "offline": False, "no_detect": False, "allow_insecure_hashes": False, "cache_dir": None, "check": False,
    "pre_commit": False, "force": False, "command": None,
}


class Reading:
    """A plain command line as read here, and the check of each translation it asks for."""

    __slots__ = ("args", "checks")

    def __init__(self, args: SimpleNamespace, checks: list[Check]) -> None:
        self.args = args
        self.checks = checks

    @property
    def unchanged(self) -> bool:
        """Whether every overlay records its inputs as they are now: nothing to do."""
        return all(is_current(checked, self.args) for checked in self.checks)


def read(argv: Sequence[str]) -> Reading | None:
    """``argv`` and its translations' checks, when it is a plain command line; else None.

    A run with work to do goes on from here (:func:`.command.run`): its
    arguments and inputs are not read a second time.
    """
    args = recognise(argv)
    if args is None:
        return None
    try:
        return Reading(args, [check(target, args) for target in targets(args)])
    except Exception:  # argparse's run reads the inputs again and reports the error as one line
        return None


def recognise(argv: Sequence[str]) -> SimpleNamespace | None:
    """``argv`` read as argparse reads it, when it is a plain command line; else None."""
    if list(argv[:1]) == ["init"]:
        return None
    values = dict(DEFAULTS)
    tokens = iter(argv)
    for token in tokens:
        if not token.startswith("-"):
            if values["lock"] is not None:
                return None  # argparse refuses a second lock
            values["lock"] = token
            continue
        option, equals, value = token.partition("=")
        if option in FLAGS and not equals:
            values[FLAGS[option]] = True
        elif option in VALUED:
            if not equals:
                value = next(tokens, "")
                if value.startswith("-"):
                    return None  # argparse may read it as an option, or refuse it
            dest = VALUED[option]
            if not value or value not in CHOICES.get(dest, (value,)):
                return None
            values[dest] = value
        else:
            return None
    return SimpleNamespace(**values)
