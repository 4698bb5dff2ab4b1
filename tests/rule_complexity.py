"""How complex EventBridge finds an event pattern: aws/event-ruler's complexity check, in small.

EventBridge refuses a rule whose pattern is too complex ("Rule is too complex - try using fewer
wildcard characters", InvalidEventPatternException); moto creates any rule. The judge is
aws/event-ruler, the matching library behind EventBridge. Its README ("Matching with a
Machine", the `Validate` example) shows the check: compile the pattern
(`JsonRuleCompiler.compile`), add every sub-rule that holds a `wildcard` or `anything-but`
`wildcard` to a `Machine`, and refuse the pattern when `machine.evaluateComplexity(new
MachineComplexityEvaluator(max))` exceeds a limit. This module follows that source
(aws/event-ruler, `MachineComplexityEvaluator.evaluate`, `ByteMachine.evaluateComplexity`,
`NameState.evaluateComplexity`, `input/WildcardParser.parse`):

- A field's values are one `ByteMachine`, a trie of the values' bytes in which a wildcard `*`
  is a state that loops on every byte. `JsonRuleCompiler` wraps each value in double quotes
  before it goes into the trie (`'"' + text + '"'`); `WildcardParser` refuses `**` and any
  backslash but `\\*` and `\\\\`.
- Its complexity is the most, over every input value, of the wildcard patterns reachable from
  the states a traversal is in at once: "the maximum possible number of wildcard rule prefixes
  that could match a theoretical input value", where a state right before a `*` also stands in
  the `*`'s state ("an input value that matches foo will also match foo*"). Exact, prefix,
  suffix, numeric and the other matches count nothing; a pattern is counted once per state
  even if several of its values share it (an `anything-but` list of wildcards is one pattern).
- A machine's complexity is the largest of its fields' (`NameState` takes the maximum over its
  byte machines and their next name states).

The input values are explored as event-ruler's evaluator does: over every set of
states that some input reaches (one step per byte that appears in a pattern, plus one for every
other byte). Sub-rules of an `$or` that test the same field are evaluated as one machine of
that field, which can only count more than event-ruler (it may keep them apart): the bound
errs on the safe side.

The limit EventBridge applies is not published. `BOUND` is the complexity of a pattern users
report EventBridge accepted, and the pattern they report refused scores above it
(tests/test_rule_complexity.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

WILDCARD = object()  # a `*` of a wildcard value (an escaped one is the character "*")
QUOTE = '"'
# A byte that appears in no pattern: every such byte leads to the same states.
OTHER = object()
# The highest complexity known to be accepted by EventBridge: three `*:stack/<name>/*` values
# in one field score 9 (vals-ai/Valkyrie pull request 278); four, which score 12, were refused
# ("Rule is too complex"). So EventBridge's limit is at least 9 and below 12.
BOUND = 9

Token = object  # a literal character (str), or WILDCARD
Prefix = tuple[Token, ...]


def wildcard_tokens(value: str) -> Prefix:
    """The characters of a wildcard value, `*` as WILDCARD (`\\*` and `\\\\` are literal);
    raises ValueError where event-ruler's WildcardParser does."""
    tokens: list[Token] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "*":
            if value[index + 1 : index + 2] == "*":
                raise ValueError(f"consecutive wildcard characters at {index} in {value!r}")
            tokens.append(WILDCARD)
        elif char == "\\":
            following = value[index + 1 : index + 2]
            if following not in ("*", "\\"):
                raise ValueError(f"invalid escape character at {index} in {value!r}")
            tokens.append(following)
            index += 1
        else:
            tokens.append(char)
        index += 1
    return tuple(tokens)


def field_complexity(patterns: Iterable[Iterable[str]]) -> int:
    """The complexity of one field's byte machine, given its wildcard patterns (each pattern
    one or more wildcard values, as they enter the trie)."""
    reach: dict[Prefix, set[int]] = {}  # trie state -> the patterns reachable from it
    for number, values in enumerate(patterns):
        for value in values:
            tokens = wildcard_tokens(value)
            for end in range(len(tokens) + 1):
                reach.setdefault(tokens[:end], set()).add(number)
    if not reach:
        return 0
    alphabet = {t for state in reach for t in state if t is not WILDCARD} | {OTHER}

    def closure(states: set[Prefix]) -> frozenset[Prefix]:
        # A `*` may match nothing: a state before one is also in the `*`'s state.
        found = set(states)
        for state in states:
            if (*state, WILDCARD) in reach:
                found.add((*state, WILDCARD))
        return frozenset(found)

    def step(states: frozenset[Prefix], byte: object) -> frozenset[Prefix]:
        following = set()
        for state in states:
            if state and state[-1] is WILDCARD:
                following.add(state)  # `*` loops on every byte
            if byte is not OTHER and (*state, byte) in reach:
                following.add((*state, byte))
        return closure(following)

    def size(states: frozenset[Prefix]) -> int:
        return sum(len(reach[state]) for state in states if state)

    start = closure({()})
    seen = {start}
    queue = [start]
    largest = 0
    while queue:
        states = queue.pop()
        for byte in alphabet:
            following = step(states, byte)
            if following and following not in seen:
                seen.add(following)
                queue.append(following)
                largest = max(largest, size(following))
    return largest


def pattern_complexity(pattern: Mapping[str, Any]) -> int:
    """The complexity event-ruler gives an EventBridge event pattern (JSON as a dict)."""
    fields: dict[str, list[list[str]]] = {}
    for rule in _sub_rules(pattern):
        wildcards = {path: _wildcards(matches) for path, matches in rule.items()}
        if not any(wildcards.values()):
            continue  # EventBridge evaluates only the sub-rules that hold a wildcard
        for path, patterns in wildcards.items():
            fields.setdefault(path, []).extend(patterns)
    return max((field_complexity(patterns) for patterns in fields.values()), default=0)


def _sub_rules(pattern: Mapping[str, Any], path: str = "") -> Iterator[dict[str, list]]:
    """The pattern as event-ruler compiles it: one {field path: matches} per `$or` branch."""
    rules: list[dict[str, list]] = [{}]
    for key, value in pattern.items():
        if key == "$or":
            branches = [rule for option in value for rule in _sub_rules(option, path)]
        elif isinstance(value, Mapping):
            branches = list(_sub_rules(value, f"{path}{key}."))
        else:
            branches = [{f"{path}{key}": list(value)}]
        rules = [rule | branch for rule in rules for branch in branches]
    yield from rules


def _wildcards(matches: list) -> list[list[str]]:
    """The wildcard patterns among a field's matches, each value quoted as the compiler does."""
    found = []
    for match in matches:
        if not isinstance(match, Mapping):
            continue
        if "wildcard" in match:
            found.append([_quoted(match["wildcard"])])
        but = match.get("anything-but")
        if isinstance(but, Mapping) and "wildcard" in but:
            values = but["wildcard"]
            found.append([_quoted(v) for v in ([values] if isinstance(values, str) else values)])
    return found


def _quoted(value: str) -> str:
    return f"{QUOTE}{value}{QUOTE}"


def wildcard_count(pattern: Mapping[str, Any]) -> int:
    """How many `*` the pattern's wildcard values hold (escaped ones not counted)."""
    return sum(
        wildcard_tokens(value).count(WILDCARD)
        for rule in _sub_rules(pattern)
        for matches in rule.values()
        for patterns in _wildcards(matches)
        for value in patterns
    )
