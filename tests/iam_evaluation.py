"""A small evaluator of IAM identity policies and permissions boundaries, for the tests.

moto evaluates no condition and no policy variable, and principalmapper 1.1.5 (the one
evaluator on PyPI that models boundaries) does not import on Python 3.10+ and, patched to run,
compares condition values without resolving policy variables (so `aws:ResourceTag/participant`
never equals `${aws:PrincipalTag/participant}`) and matches resources case-insensitively. This
module follows the IAM User Guide instead, for what the course's policies use:

- *Policy evaluation logic* (a request within one account, no SCP, RCP, resource-based or
  session policy): an explicit Deny in any identity policy or in the permissions boundary
  denies; with a boundary, an Allow is needed in the boundary too; then an Allow in an identity
  policy allows; anything else is an implicit deny.
- *Action* (and *NotAction*): case-insensitive, `*` and `?` wildcards. *Resource* (and
  *NotResource*): case-sensitive, with the same wildcards.
- *Variables and tags*: `${key}` is the request context's value of `key` (`${aws:username}`,
  `${aws:PrincipalTag/participant}`, ...), `${*}`, `${?}` and `${$}` are the characters
  themselves. "If AWS cannot resolve a variable this might cause the entire statement to be
  invalid": here a statement with an unresolved variable never applies (Allow or Deny).
- *Condition operators*: every operator of a condition, every key of an operator must match
  (AND); the values of one key are alternatives (OR), and a negated operator (StringNotEquals,
  StringNotLike, ArnNotLike, NumericNotEquals, ...) matches when no value does. A key missing
  from the request: false, but true for a negated operator and for `...IfExists`; `Null` tests
  presence. `ForAllValues:` is true when every value of the key matches (also when there is no
  value), `ForAnyValue:` when at least one does. Condition key names are case-insensitive.
  String* and Arn* values may hold policy variables; Arn* compares the six parts of an ARN
  one by one. Operators this module does not know (Date*, IpAddress, Binary) raise, so a policy
  that used one would fail its tests rather than be judged wrongly.

A `Request` is one authorization: an action on one resource with its request context (the
condition keys AWS sets for that call, as the Service Authorization Reference lists them). An
API call that AWS authorizes on several resources (e.g. CreateVpcEndpoint on the VPC, the new
endpoint and its route tables) is several requests, all of which must be allowed (`decide`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Context = Mapping[str, str | Sequence[str]]
VARIABLE = re.compile(r"\$\{([^}]*)\}")
ESCAPES = {"*": "*", "?": "?", "$": "$"}


class UnsupportedPolicy(ValueError):
    """The policy uses an element or operator this evaluator does not implement."""


@dataclass(frozen=True)
class Principal:
    """An IAM user or role (session) with its identity policies, boundary and tags."""

    arn: str
    policies: Sequence[Mapping[str, Any]]
    boundary: Mapping[str, Any] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, str]:
        """The global keys AWS sets from the principal: ARN, account, tags, user name."""
        account = self.arn.split(":")[4]
        keys = {"aws:PrincipalArn": self.arn, "aws:PrincipalAccount": account}
        keys |= {f"aws:PrincipalTag/{key}": value for key, value in self.tags.items()}
        if ":user/" in self.arn:  # aws:username is set for IAM users only
            keys["aws:username"] = self.arn.rsplit("/", 1)[1]
        return keys


@dataclass(frozen=True)
class Request:
    """One authorization: `action` on `resource`, with the request's condition keys."""

    action: str
    resource: str = "*"
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def evaluate(principal: Principal, request: Request) -> Decision:
    """The decision for one authorization, and which statement made it."""
    context = _Context({**principal.context(), **request.context})
    documents = [("identity", p) for p in principal.policies]
    if principal.boundary is not None:
        documents.append(("boundary", principal.boundary))
    for where, document in documents:
        for statement in _statements(document):
            if statement["Effect"] == "Deny" and _applies(statement, request, context):
                return Decision(False, f"explicit deny: {_name(statement)} ({where})")
    if principal.boundary is not None and not any(
        statement["Effect"] == "Allow" and _applies(statement, request, context)
        for statement in _statements(principal.boundary)
    ):
        return Decision(False, "implicit deny: the permissions boundary allows nothing of it")
    for policy in principal.policies:
        for statement in _statements(policy):
            if statement["Effect"] == "Allow" and _applies(statement, request, context):
                return Decision(True, f"allowed: {_name(statement)}")
    return Decision(False, "implicit deny: no statement allows it")


def decide(principal: Principal, requests: Iterable[Request]) -> Decision:
    """An API call authorized on several resources: allowed only if each of them is."""
    decisions = [evaluate(principal, request) for request in requests]
    if not decisions:
        raise ValueError("a call is at least one authorization")
    return next((d for d in decisions if not d.allowed), decisions[0])


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document["Statement"]
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _name(statement: Mapping[str, Any]) -> str:
    return statement.get("Sid", "a statement without Sid")


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class _Context:
    """The request context: keys looked up case-insensitively, values as lists of strings."""

    def __init__(self, keys: Context) -> None:
        self._keys = {
            key.lower(): [v for v in _listed(value) if v != ""] for key, value in keys.items()
        }

    def get(self, key: str) -> list[str] | None:
        values = self._keys.get(key.lower())
        return values if values else None  # an empty value counts as no value (Null)

    def single(self, key: str) -> str | None:
        values = self.get(key)
        if values is not None and len(values) > 1:
            raise UnsupportedPolicy(f"{key} has several values: use ForAllValues/ForAnyValue")
        return values[0] if values else None


class _Unresolved(Exception):
    """A policy variable whose key the request context does not hold."""


def _substitute(text: str, context: _Context, escape) -> str:
    """`text` with its policy variables replaced by `escape(value)`, the rest by `escape`d
    pieces of pattern (see `_pattern`); raises `_Unresolved`."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in ESCAPES:
            return ESCAPES[name]
        resolved = context.single(name)
        if resolved is None:
            raise _Unresolved(name)
        return resolved

    parts, last = [], 0
    for match in VARIABLE.finditer(text):
        parts.append(escape(text[last : match.start()], wildcards=True))
        parts.append(escape(value(match), wildcards=False))
        last = match.end()
    parts.append(escape(text[last:], wildcards=True))
    return "".join(parts)


def _regex_piece(text: str, *, wildcards: bool) -> str:
    if not wildcards:
        return re.escape(text)
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def _like(pattern: str, value: str, context: _Context, *, ignore_case: bool = False) -> bool:
    """Whether `value` matches `pattern` (wildcards `*` `?`, policy variables resolved)."""
    regex = _substitute(pattern, context, _regex_piece)
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


def _applies(statement: Mapping[str, Any], request: Request, context: _Context) -> bool:
    unknown = set(statement) - {"Sid", "Effect", "Action", "NotAction", "Resource"}
    unknown -= {"NotResource", "Condition"}
    if unknown or "Principal" in statement:
        raise UnsupportedPolicy(f"{_name(statement)}: {sorted(unknown)} in an identity policy")
    try:
        if "Action" in statement:
            actions = _listed(statement["Action"])
            action_matches = any(
                _like(a, request.action, context, ignore_case=True) for a in actions
            )
        else:
            actions = _listed(statement["NotAction"])
            action_matches = not any(
                _like(a, request.action, context, ignore_case=True) for a in actions
            )
        if not action_matches:
            return False
        if "Resource" in statement:
            resource_matches = any(
                _like(r, request.resource, context) for r in _listed(statement["Resource"])
            )
        else:
            resource_matches = not any(
                _like(r, request.resource, context) for r in _listed(statement["NotResource"])
            )
        if not resource_matches:
            return False
        return all(
            _operator_matches(operator, block, context)
            for operator, block in statement.get("Condition", {}).items()
        )
    except _Unresolved:
        return False  # "might cause the entire statement to be invalid"


# Operator -> (compare one request value with one policy value, negated?).
def _string_equals(policy: str, value: str, context: _Context) -> bool:
    return _substitute(policy, context, lambda text, wildcards: text) == value


def _string_equals_ignore_case(policy: str, value: str, context: _Context) -> bool:
    return _string_equals(policy, value, context) or (
        _substitute(policy, context, lambda text, wildcards: text).lower() == value.lower()
    )


def _string_like(policy: str, value: str, context: _Context) -> bool:
    return _like(policy, value, context)


def _arn_like(policy: str, value: str, context: _Context) -> bool:
    """ARN operators compare the six colon-separated parts of the ARN one by one."""
    wanted, given = policy.split(":", 5), value.split(":", 5)
    if len(wanted) != 6 or len(given) != 6:
        return False
    return all(_like(w, g, context) for w, g in zip(wanted, given, strict=True))


def _numeric(compare):
    def matches(policy: str, value: str, context: _Context) -> bool:
        return compare(float(value), float(policy))

    return matches


def _bool(policy: str, value: str, context: _Context) -> bool:
    return value.lower() == policy.lower()


OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "NumericEquals": (_numeric(lambda v, p: v == p), False),
    "NumericNotEquals": (_numeric(lambda v, p: v == p), True),
    "NumericLessThan": (_numeric(lambda v, p: v < p), False),
    "NumericLessThanEquals": (_numeric(lambda v, p: v <= p), False),
    "NumericGreaterThan": (_numeric(lambda v, p: v > p), False),
    "NumericGreaterThanEquals": (_numeric(lambda v, p: v >= p), False),
    "Bool": (_bool, False),
}


def _operator_matches(operator: str, block: Mapping[str, Any], context: _Context) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnsupportedPolicy(f"condition operator {operator}")
    if name == "Null":
        if qualifier:
            raise UnsupportedPolicy(f"condition operator {operator}")
        return all(
            (context.get(key) is None) == (str(wanted).lower() == "true")
            for key, wanted in block.items()
        )
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if name not in OPERATORS:
        raise UnsupportedPolicy(f"condition operator {operator}")
    compare, negated = OPERATORS[name]
    for key, wanted in block.items():
        wanted = [str(w).lower() if isinstance(w, bool) else str(w) for w in _listed(wanted)]

        def one(value: str, compare=compare, negated=negated, wanted=wanted) -> bool:
            matched = any(compare(w, value, context) for w in wanted)
            return not matched if negated else matched

        values = context.get(key)
        if qualifier == "ForAllValues":
            ok = values is None or all(one(v) for v in values)
        elif qualifier == "ForAnyValue":
            ok = values is not None and any(one(v) for v in values)
        elif values is None:
            ok = negated or if_exists
        else:
            ok = one(context.single(key))
        if not ok:
            return False
    return True
