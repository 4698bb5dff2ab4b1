"""Helpers that read synthesized templates (CloudFormation JSON), shared by the tests."""


def role_statements(resources: dict, role_id: str) -> list[dict]:
    """Every statement of the AWS::IAM::Policy resources attached to the role `role_id`."""
    return [
        statement
        for policy in resources.values()
        if policy["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
