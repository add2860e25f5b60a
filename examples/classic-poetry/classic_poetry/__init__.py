"""Colour a message with pastel, itself a classic Poetry sdist."""

from pastel import Pastel


def shout(text: str) -> str:
    return Pastel(True).colorize(f"<fg=red>{text.upper()}</>")
