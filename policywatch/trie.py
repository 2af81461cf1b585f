"""Word lists as one regular expression shaped as a trie: one branch per next character, so
`re` does not try thousands of alternatives at every position (the lexicon's terms, the
glossary's forms). Longer continuations are tried before a shorter form ends, so the longest
form wins, as in a longest-first alternation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_TAILS = ""  # the node key of the forms ending there (every other key is one character)


def trie_regex(forms: Iterable[tuple[str, str]], char: Callable[[str], str] = re.escape) -> str:
    """The regex of (form, tail) pairs: each form's characters through `char`, then its tail,
    "" for a plain end, else a regex (an end condition such as "(?!门)", or any word ending)."""
    root: dict[str, Any] = {}
    for form, tail in forms:
        node = root
        for character in form:
            node = node.setdefault(character, {})
        tails = node.setdefault(_TAILS, [])
        if tail not in tails:
            tails.append(tail)
    return _node(root, char)


def _node(node: dict[str, Any], char: Callable[[str], str]) -> str:
    alts = [char(c) + _node(child, char) for c, child in sorted(node.items()) if c != _TAILS]
    tails = node.get(_TAILS, [])
    alts += [tail for tail in tails if tail]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in tails else body
