"""Helpers that read synthesized templates (CloudFormation JSON), shared by the tests."""

from __future__ import annotations

from typing import Any


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one type, by logical id."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def only(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    """(logical id, resource) of the template's one resource of this type."""
    found = of_type(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return found.popitem()


def dependencies(template: dict[str, Any], logical_id: str) -> set[str]:
    """Every resource `logical_id` depends on, directly or not (DependsOn, Ref, Fn::GetAtt):
    CloudFormation deletes all of them after it."""
    resources = template["Resources"]

    def direct(resource: dict[str, Any]) -> set[str]:
        depends_on = resource.get("DependsOn", [])
        found = set([depends_on] if isinstance(depends_on, str) else depends_on)
        stack = [resource.get("Properties", {})]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                if isinstance(value.get("Ref"), str):
                    found.add(value["Ref"])
                if "Fn::GetAtt" in value:
                    found.add(value["Fn::GetAtt"][0])
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
        return found & set(resources)

    found: set[str] = set()
    todo = [logical_id]
    while todo:
        for dependency in direct(resources[todo.pop()]) - found:
            found.add(dependency)
            todo.append(dependency)
    return found


def role_statements(resources: dict, role_id: str) -> list[dict]:
    """Every statement of the AWS::IAM::Policy resources attached to the role `role_id`."""
    return [
        statement
        for policy in resources.values()
        if policy["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


# What `resolve` puts for the pseudo parameters (the tests spell their ARNs with these).
ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"


def resolve(value: Any) -> str:
    """A string from a template value: Fn::Join and Ref joined, with ACCOUNT, REGION and
    PARTITION for the pseudo parameters, `<id>` for other Refs and `<id.attr>` for Fn::GetAtt."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part) for part in parts)
    if "Ref" in value:
        pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION}
        return pseudo.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise AssertionError(f"cannot resolve {value}")


def managed_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The documents of the template's managed policies, by policy name."""
    return {
        resource["Properties"]["ManagedPolicyName"]: resource["Properties"]["PolicyDocument"]
        for resource in of_type(template, "AWS::IAM::ManagedPolicy").values()
    }


def user_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The managed policies attached to the template's one IAM user, by policy name."""
    _, user = only(template, "AWS::IAM::User")
    attached = {ref["Ref"] for ref in user["Properties"]["ManagedPolicyArns"]}
    resources = template["Resources"]
    return {
        resources[logical_id]["Properties"]["ManagedPolicyName"]: resources[logical_id][
            "Properties"
        ]["PolicyDocument"]
        for logical_id in attached
    }


def handler_environment(template: dict[str, Any], variable: str) -> dict[str, Any]:
    """The environment of the template's one is-complete handler that sets `variable`."""
    (environment,) = [
        function["Properties"]["Environment"]["Variables"]
        for function in of_type(template, "AWS::Lambda::Function").values()
        if function["Properties"].get("Handler") == "index.is_complete"
        and variable in function["Properties"].get("Environment", {}).get("Variables", {})
    ]
    return environment
