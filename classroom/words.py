"""Counted nouns in the class commands' lines: `1 participant`, `3 participants`, `1 stack`."""


def counted(number: int, noun: str) -> str:
    """`number` and `noun`, in the plural unless it is one (the nouns here take an s)."""
    return f"{number} {noun}" + ("" if number == 1 else "s")
