"""Every EventBridge rule of every template is simple enough for EventBridge to create it.

moto creates any rule, however complex; EventBridge refuses one whose pattern is "too complex"
(InvalidEventPatternException: "Rule is too complex - try using fewer wildcard characters").
The judge here is tests/rule_complexity.py, which follows aws/event-ruler's
`MachineComplexityEvaluator` (the check EventBridge's library documents in its README): it
bounds how many wildcard patterns of one field an input value can keep in play at once. First
the evaluator itself, on the cases event-ruler's own tests state (MachineComplexityEvaluatorTest)
and on patterns users report EventBridge accepted or refused; then every rule of every
template of every configuration against `BOUND`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.rule_complexity import (
    BOUND,
    field_complexity,
    pattern_complexity,
    wildcard_count,
    wildcard_tokens,
)
from tests.synth import CONFIGURATIONS, synth_of
from tests.templates import of_type, resolve

# --- the evaluator ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # aws/event-ruler src/test/.../MachineComplexityEvaluatorTest.java: values added to one
        # ByteMachine as `Patterns.wildcardMatch(...)` (no quotes), and the complexity it asserts.
        (["*"], 1),
        (["*ab"], 2),
        (["*aa"], 3),
        (["a*b"], 2),
        (["aa*"], 2),
        (["a*bbb"], 4),
        (["*ab*ad"], 4),
        (["*aba*"], 4),
        (["a*b*bb"], 5),
        (["a*b*cd"], 3),
        (["ab*b*"], 3),
        (["ab*c", "x*xx"], 3),
        (["*abc", "*abcde"], 4),
        (["a*aaa", "aa*aa"], 7),
        (["a*aax", "aaa*x"], 5),
        (["abc*", "abcde*"], 3),
        (["ab*cd", "ab*wx", "ab*yz"], 6),
        (["ab*c", "ab*c"], 2),
        (["*ab*b*b*"], 7),
        (["*a*a*a*a*a*a*a*a*"], 17),
        (["F*eatureFeature", "Fe*atureFeature", "Fea*tureFeature"], 10),
    ],
)
def test_the_evaluator_scores_event_rulers_own_cases(values, expected):
    assert field_complexity([[value] for value in dict.fromkeys(values)]) == expected


def test_the_evaluator_scores_event_rulers_quamina_exploder():
    """MachineComplexityEvaluatorTest.testEvaluateQuaminaExploder: 32 values, complexity 45."""
    values = [
        *("aahed*", "aal*ii", "aargh*", "aarti*", "a*baca", "*abaci", "a*back", "ab*acs"),
        *("abaf*t", "*abaka", "ab*amp", "a*band", "*abase", "abash*", "abas*k", "ab*ate"),
        *("aba*ya", "abbas*", "abbed*", "ab*bes", "abbey*", "*abbot", "ab*cee", "abea*m"),
        *("abe*ar", "a*bele", "a*bers", "abet*s", "*abhor", "abi*de", "a*bies", "*abled"),
    ]
    assert field_complexity([[value] for value in values]) == 45


def test_the_evaluator_takes_the_largest_field_of_a_rule_as_event_ruler():
    """testEvaluateNestedMachinesViaNextNameStates: a JSON rule, so values are quoted; exact,
    prefix and suffix matches count nothing."""
    rule = {
        "abc": [{"prefix": "a"}, "abcdef", {"suffix": "z"}],
        "def": [{"prefix": "b"}, {"wildcard": "a*a*a*a*a*a*"}, {"suffix": "c"}],
        "ghi": [{"prefix": "a"}, "abcdef", {"suffix": "z"}],
    }
    assert pattern_complexity(rule) == 11


@pytest.mark.parametrize("value", ["a**b", "a\\b", "ab\\"])
def test_values_event_ruler_refuses_are_refused(value):
    with pytest.raises(ValueError, match=r"consecutive wildcard|invalid escape"):
        wildcard_tokens(value)


def test_an_escaped_star_is_a_character():
    assert wildcard_count({"f": [{"wildcard": "a\\*b*"}]}) == 1
    assert field_complexity([["a\\*b"]]) == 1


def stack_ids(*values: str) -> dict:
    return {"source": ["aws.cloudformation"], "detail": {"stack-id": list(values)}}


STACK_NAMES = ("SharedStack", "ApiStack", "WorkerStack", "MonitoringStack")


def test_a_pattern_users_report_refused_scores_above_the_bound():
    """vals-ai/Valkyrie pull request 278 (2026-04): EventBridge refused its rule with "Rule is
    too complex" once a fourth `*:stack/<name>/*` value joined the three it had accepted."""
    accepted = stack_ids(*({"wildcard": f"*:stack/{n}/*"} for n in STACK_NAMES[:3]))
    refused = stack_ids(*({"wildcard": f"*:stack/{n}/*"} for n in STACK_NAMES))
    assert pattern_complexity(accepted) <= BOUND < pattern_complexity(refused)


def test_the_course_watchers_first_pattern_scored_far_above_the_bound():
    """What CourseWatch had (issue 23): two values per lab, `arn:*:cloudformation:*:*:stack/
    {,*-}<lab>/*`; one lab's two already score above what users report accepted."""
    one_lab = stack_ids(
        {"wildcard": "arn:*:cloudformation:*:*:stack/LabBackup/*"},
        {"wildcard": "arn:*:cloudformation:*:*:stack/*-LabBackup/*"},
    )
    assert pattern_complexity(one_lab) > BOUND


@pytest.mark.parametrize(
    "pattern",
    [
        stack_ids({"prefix": "arn:aws:cloudformation:eu-west-1:123456789012:stack/LabBackup/"}),
        {"detail": {"object": {"key": [{"wildcard": "*.png"}]}}},
        {"resources": [{"wildcard": "arn:aws:states:us-east-1:111122223333:execution:xxx:yyy*"}]},
        stack_ids({"wildcard": "arn:aws:cloudformation:eu-west-1:123456789012:stack/*-Lab/*"}),
    ],
)
def test_simple_patterns_score_within_the_bound(pattern):
    assert pattern_complexity(pattern) <= BOUND


# --- every rule of every template ---------------------------------------------------------------


def resolved(value: Any) -> Any:
    """The pattern with CloudFormation functions replaced by strings (tests/templates.resolve:
    account 123456789012, us-east-1, `<id.attr>` for attributes)."""
    if isinstance(value, Mapping):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return resolve(value)
        return {key: resolved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    return value


@pytest.mark.parametrize("config", CONFIGURATIONS)
def test_every_rule_of_every_template_is_simple(config):
    synth = synth_of(config)
    scores = {
        f"{stack_id}/{logical_id}": pattern_complexity(resolved(rule["Properties"]["EventPattern"]))
        for stack_id in synth.stacks
        for logical_id, rule in of_type(synth.template(stack_id), "AWS::Events::Rule").items()
    }
    assert scores, f"{config}: no rule found"
    too_complex = {rule: score for rule, score in scores.items() if score > BOUND}
    assert too_complex == {}, f"{config}: complexity above {BOUND}"
