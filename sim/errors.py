"""The one exception for bad input: :class:`ScenarioError`.

Anything a user can get wrong (a scenario file, a parameter name or value, a CLI
option) raises it *before* the model is built. The CLI prints it as one line and exits
with code 2; every other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["ScenarioError"]


class ScenarioError(ValueError):
    """Invalid input: names where it is, what it was and what was expected.

    Args:
        file: the file the value came from, or ``"<arguments>"`` for keywords and options.
        key: the key path, e.g. ``"[policies].robot_tax"``.
        value: the offending value (``None`` when a key is missing).
        expected: what would have been valid, in words.

    Example:
        >>> err = ScenarioError("kz.toml", "[policies].robot_tax", 2.0, "a number in [0, 1]")
        >>> print(err)
        kz.toml: [policies].robot_tax = 2.0: expected a number in [0, 1]
    """

    def __init__(self, file: str, key: str, value: object, expected: str):
        self.file = str(file)
        self.key = key
        self.value = value
        self.expected = expected
        # One line, always: names and messages with line breaks (from a file, a TOML key or
        # a parser's message) are shown escaped.
        super().__init__(f"{_printable(self.file)}: {_printable(key)} = {value!r}: "
                         f"expected {_printable(expected)}")


def _printable(text) -> str:
    text = str(text)
    return text if text.isprintable() else repr(text)[1:-1]
