"""A response's answers as one character per questionnaire item, by the item's position: the value
in base 36 ("0"-"9", "a"-"z"), "." for no answer. Decoding a million responses is one numpy call."""

import numpy as np

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
BLANK = "."
LARGEST = len(ALPHABET) - 1
_LOOKUP = np.full(256, np.nan)
for _value, _char in enumerate(ALPHABET):
    _LOOKUP[ord(_char)] = _value


def encode(values_by_position: dict[int, int | None], width: int) -> str:
    """The answer string of one response; positions not given are blank."""
    chars = [BLANK] * width
    for position, value in values_by_position.items():
        if value is not None:
            chars[position] = ALPHABET[value]
    return "".join(chars)


def decode(answer_strings: list[str], width: int) -> np.ndarray:
    """An (n, width) float matrix, NaN where blank; shorter strings are blank at the end."""
    if not answer_strings:
        return np.empty((0, width))
    padded = "".join(text.ljust(width, BLANK)[:width] for text in answer_strings)
    codes = np.frombuffer(padded.encode("ascii"), dtype=np.uint8)
    return _LOOKUP[codes].reshape(len(answer_strings), width)
