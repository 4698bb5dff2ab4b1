"""tests/iam_evaluation.py against the examples of the IAM User Guide and the RDS User Guide.

Each case is an example AWS documents, with the outcome the documentation states; the
evaluator under test is the course's own (tests/iam_evaluation.py), the judge here is the
documentation's text, quoted in each test's docstring.
"""

from __future__ import annotations

import pytest

from tests.iam_evaluation import Principal, Request, UnsupportedPolicy, decide, evaluate

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/ana"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def user(*statements: dict, boundary: dict | None = None, **tags: str) -> Principal:
    return Principal(USER, [policy(*statements)], boundary=boundary, tags=tags)


def test_an_explicit_deny_overrides_any_allow():
    """Policy evaluation logic: "An explicit deny in any of these policies overrides the allow"."""
    ana = user(allow("s3:*"), deny("s3:DeleteBucket"))
    assert evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::b/k"))
    denied = evaluate(ana, Request("s3:DeleteBucket", "arn:aws:s3:::b"))
    assert not denied
    assert denied.reason.startswith("explicit deny")


def test_without_an_allow_the_request_is_implicitly_denied():
    """ "By default, all requests are implicitly denied"."""
    assert not evaluate(user(allow("s3:GetObject")), Request("s3:PutObject", "arn:aws:s3:::b/k"))


def test_a_boundary_grants_nothing_and_limits_the_identity_policy():
    """Permissions boundaries: the identity policy allows iam:CreateUser, the boundary allows
    s3:*, cloudwatch:* and ec2:*: "the user cannot create users"; S3 stays allowed."""
    boundary = policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]))
    ana = user(allow(["iam:CreateUser", "s3:ListAllMyBuckets"]), boundary=boundary)
    assert not evaluate(ana, Request("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x"))
    assert evaluate(ana, Request("s3:ListAllMyBuckets"))
    # ... and the boundary alone allows nothing the identity policy does not.
    assert not evaluate(ana, Request("ec2:DescribeInstances"))
    # An explicit deny in the boundary denies.
    boundary = policy(allow(), deny("s3:*"))
    assert not evaluate(user(allow(), boundary=boundary), Request("s3:ListAllMyBuckets"))


def test_actions_are_case_insensitive_and_resources_are_not():
    """ "Action ... values are case-insensitive"; resource ARNs are case-sensitive (Amazon
    Resource Names, IAM JSON policy elements: Resource)."""
    ana = user(allow("S3:get*", "arn:aws:s3:::Lab*/*"))
    assert evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::LabBucket/k"))
    assert not evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::labbucket/k"))


def test_the_username_variable_in_a_home_folder():
    """Variables: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*" lets each user
    reach their own folder only."""
    ana = user(allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"))
    assert evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/ana/x"))
    assert not evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/ben/x"))


def test_a_role_has_no_username():
    """aws:username: "This key is not present for ... IAM roles" - the statement never applies."""
    role = Principal(
        f"arn:aws:iam::{ACCOUNT}:role/ana",
        [policy(allow("s3:*", "arn:aws:s3:::b/${aws:username}/*"))],
    )
    assert not evaluate(role, Request("s3:GetObject", "arn:aws:s3:::b/ana/x"))


def test_principal_tags_fill_variables_in_resources_and_conditions():
    """Variables and tags: ${aws:PrincipalTag/team} in a resource and as a condition value."""
    ana = user(
        allow("dynamodb:*", "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}-*"),
        allow(
            "ec2:*",
            Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        ),
        team="blue",
    )
    table = "arn:aws:dynamodb:us-east-1:1:table/{}-Users"
    assert evaluate(ana, Request("dynamodb:Scan", table.format("blue")))
    assert not evaluate(ana, Request("dynamodb:Scan", table.format("red")))
    vpc = "arn:aws:ec2:us-east-1:1:vpc/vpc-1"
    assert evaluate(ana, Request("ec2:DeleteVpc", vpc, {"aws:ResourceTag/team": "blue"}))
    assert not evaluate(ana, Request("ec2:DeleteVpc", vpc, {"aws:ResourceTag/team": "red"}))
    assert not evaluate(ana, Request("ec2:DeleteVpc", vpc))
    # Without the tag the variable has no value: "the entire statement" is invalid.
    untagged = Principal(USER, ana.policies)
    assert not evaluate(untagged, Request("dynamodb:Scan", table.format("")))


def test_special_characters_are_written_as_variables():
    """ "${*}", "${?}" and "${$}" stand for the characters themselves."""
    ana = user(allow("s3:GetObject", "arn:aws:s3:::b/${*}literal"))
    assert evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::b/*literal"))
    assert not evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::b/anyliteral"))


def test_not_action_and_not_resource():
    """NotAction with Deny: "deny everything except ..."; NotResource: every resource but."""
    ana = user(
        allow(),
        {"Effect": "Deny", "NotAction": "iam:Get*", "Resource": "arn:aws:iam::*:role/*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::mine*"},
    )
    assert evaluate(ana, Request("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/r"))
    assert not evaluate(ana, Request("iam:DeleteRole", f"arn:aws:iam::{ACCOUNT}:role/r"))
    assert evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::mine/k"))
    assert not evaluate(ana, Request("s3:GetObject", "arn:aws:s3:::yours/k"))


def test_a_missing_key_is_false_except_for_negated_operators():
    """Condition operators: "If the key ... is not present in the request context, the values
    do not match and the condition is false. If the policy condition requires that the key is
    not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the
    condition is true. This logic applies to all condition operators except ...IfExists and
    Null check." """
    like = allow(Condition={"StringLike": {"aws:RequestTag/a": "x*"}})
    not_like = allow(Condition={"StringNotLike": {"aws:RequestTag/a": "x*"}})
    if_exists = allow(Condition={"StringLikeIfExists": {"aws:RequestTag/a": "x*"}})
    arn_not_like = allow(Condition={"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::x"}})
    bare = Request("s3:PutObject")
    assert not evaluate(user(like), bare)
    assert evaluate(user(not_like), bare)
    assert evaluate(user(if_exists), bare)
    assert evaluate(user(arn_not_like), bare)
    tagged = Request("s3:PutObject", context={"aws:RequestTag/a": "yes"})
    assert not evaluate(user(if_exists), tagged)
    assert evaluate(user(not_like), tagged)


def test_null_tests_whether_a_key_is_present():
    """Null: "true" - the key is absent (or empty); "false" - it is present."""
    absent = allow(Condition={"Null": {"aws:TokenIssueTime": "true"}})
    present = allow(Condition={"Null": {"aws:TokenIssueTime": "false"}})
    with_key = Request("s3:GetObject", context={"aws:TokenIssueTime": "2026-01-01T00:00:00Z"})
    assert evaluate(user(absent), Request("s3:GetObject"))
    assert not evaluate(user(absent), with_key)
    assert evaluate(user(present), with_key)
    assert not evaluate(user(present), Request("s3:GetObject", context={"aws:TokenIssueTime": ""}))


def test_values_of_a_key_are_alternatives_and_keys_must_all_match():
    """Condition: "multiple values for one key are evaluated with OR, multiple keys with AND"
    (Creating a condition with multiple keys or values); a negated operator with several
    values matches when the request value is none of them."""
    both = allow(
        Condition={
            "StringEquals": {"aws:RequestTag/a": ["1", "2"], "aws:RequestTag/b": "3"},
        }
    )
    none_of = allow(Condition={"StringNotEquals": {"aws:RequestTag/a": ["1", "2"]}})
    assert evaluate(
        user(both), Request("x:Y", context={"aws:RequestTag/a": "2", "aws:RequestTag/b": "3"})
    )
    assert not evaluate(user(both), Request("x:Y", context={"aws:RequestTag/a": "2"}))
    assert not evaluate(user(none_of), Request("x:Y", context={"aws:RequestTag/a": "2"}))
    assert evaluate(user(none_of), Request("x:Y", context={"aws:RequestTag/a": "3"}))


def test_for_all_values_documented_deny():
    """Multivalued context keys, "Deny policy with condition set operator ForAllValues":
    DenyRestrictedTags denies iam:Tag*/iam:UnTag* when every tag key is key1*, key2* or key3*,
    and "ForAllValues ... also returns true if there are no context keys" (hence the Null)."""
    statement = {
        "Sid": "DenyRestrictedTags",
        "Effect": "Deny",
        "Action": ["iam:Tag*", "iam:UnTag*"],
        "Resource": ["*"],
        "Condition": {
            "Null": {"aws:TagKeys": "false"},
            "ForAllValues:StringLike": {"aws:TagKeys": ["key1*", "key2*", "key3*"]},
        },
    }
    ana = user(allow(), statement)
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    assert not evaluate(ana, Request("iam:TagRole", role, {"aws:TagKeys": ["key1a", "key2"]}))
    assert evaluate(ana, Request("iam:TagRole", role, {"aws:TagKeys": ["key1a", "other"]}))
    assert evaluate(ana, Request("iam:TagRole", role))
    for_all = {"ForAllValues:StringLike": statement["Condition"]["ForAllValues:StringLike"]}
    without_null = user(allow(), {**statement, "Condition": for_all})
    assert not evaluate(without_null, Request("iam:TagRole", role))  # vacuously true


def test_for_any_value_documented_deny():
    """ "Deny policy with condition set operator ForAnyValue": denies ec2:CreateSnapshot when
    any tag key is environment or webserver."""
    ana = user(
        allow(),
        deny(
            ["ec2:CreateSnapshot", "ec2:CreateSnapshots"],
            Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "webserver"]}},
        ),
    )
    snapshot = "arn:aws:ec2:us-east-1::snapshot/*"
    assert not evaluate(
        ana, Request("ec2:CreateSnapshot", snapshot, {"aws:TagKeys": ["a", "webserver"]})
    )
    assert evaluate(ana, Request("ec2:CreateSnapshot", snapshot, {"aws:TagKeys": ["a"]}))
    assert evaluate(ana, Request("ec2:CreateSnapshot", snapshot))  # no key: ForAnyValue false


def test_rds_documented_conditions():
    """RDS User Guide, Example policies: using condition keys. Example 1 allows creating only
    MySQL instances that are not Multi-AZ (StringEquals rds:DatabaseEngine, Bool rds:MultiAz
    false); example 2 denies the largest classes and any Provisioned IOPS (NumericNotEquals
    rds:Piops 0)."""
    example1 = user(
        allow(
            "rds:CreateDBInstance",
            Condition={
                "StringEquals": {"rds:DatabaseEngine": "mysql"},
                "Bool": {"rds:MultiAz": False},
            },
        )
    )
    db = "arn:aws:rds:us-east-1:1:db:x"
    mysql = {"rds:DatabaseEngine": "mysql", "rds:MultiAz": "false"}
    assert evaluate(example1, Request("rds:CreateDBInstance", db, mysql))
    assert not evaluate(
        example1, Request("rds:CreateDBInstance", db, mysql | {"rds:MultiAz": "true"})
    )
    assert not evaluate(
        example1, Request("rds:CreateDBInstance", db, mysql | {"rds:DatabaseEngine": "postgres"})
    )
    example2 = user(
        allow(),
        deny(
            "rds:CreateDBInstance",
            Condition={"StringEquals": {"rds:DatabaseClass": ["db.r3.8xlarge", "db.m4.10xlarge"]}},
        ),
        deny("rds:CreateDBInstance", Condition={"NumericNotEquals": {"rds:Piops": "0"}}),
    )
    small = {"rds:DatabaseClass": "db.t3.micro", "rds:Piops": "0"}
    assert evaluate(example2, Request("rds:CreateDBInstance", db, small))
    assert not evaluate(
        example2, Request("rds:CreateDBInstance", db, small | {"rds:Piops": "1000"})
    )
    assert not evaluate(
        example2,
        Request("rds:CreateDBInstance", db, small | {"rds:DatabaseClass": "db.m4.10xlarge"}),
    )


def test_arn_operators_compare_each_part_of_the_arn():
    """ArnLike: "Each of the six colon-delimited components of the ARN is checked separately"."""
    ana = user(
        allow(
            "iam:CreateRole",
            Condition={"ArnLike": {"iam:PermissionsBoundary": "arn:aws:iam::*:policy/b*"}},
        )
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    ok = {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary"}
    assert evaluate(ana, Request("iam:CreateRole", role, ok))
    # `*` in the account part does not reach into the resource part.
    odd = {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:x:policy/boundary"}
    assert not evaluate(ana, Request("iam:CreateRole", role, odd))


def test_a_call_on_several_resources_needs_every_one_allowed():
    """ "the caller must have permission to use the action with those resources" (Service
    Authorization Reference): one denied resource denies the call."""
    ana = user(allow("ec2:CreateVpcEndpoint", "arn:aws:ec2:*:*:vpc/*"))
    vpc = Request("ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:1:vpc/vpc-1")
    endpoint = Request("ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:1:vpc-endpoint/*")
    assert decide(ana, [vpc])
    assert not decide(ana, [vpc, endpoint])


@pytest.mark.parametrize(
    "condition",
    [
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"ForAnyValue:Null": {"aws:TagKeys": "false"}},
    ],
)
def test_an_operator_it_does_not_know_is_an_error_not_a_guess(condition):
    with pytest.raises(UnsupportedPolicy):
        evaluate(user(allow(Condition=condition)), Request("s3:GetObject"))


def test_a_single_value_operator_on_several_values_is_an_error():
    ana = user(deny(Condition={"StringEquals": {"aws:TagKeys": "participant"}}))
    with pytest.raises(UnsupportedPolicy, match="ForAllValues/ForAnyValue"):
        evaluate(ana, Request("x:Y", context={"aws:TagKeys": ["participant", "Name"]}))
