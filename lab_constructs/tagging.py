"""Tags on every taggable resource of a scope, including those CDK writes as raw CfnResource."""

from collections.abc import Mapping

import jsii
from aws_cdk import Aspects, CfnResource, IAspect, TagManager, Tags
from constructs import IConstruct

# CDK's custom-resource providers (auto-delete objects, restrict default security group, ...)
# write their role and function as plain CfnResource, which `Tags.of` cannot reach.
RAW_TAGGABLE_TYPES = frozenset({"AWS::IAM::Role", "AWS::Lambda::Function"})


def apply_tags(scope: IConstruct, tags: Mapping[str, str]) -> None:
    """Tag every taggable resource under `scope` with `tags`."""
    for key, value in tags.items():
        Tags.of(scope).add(key, value)
    Aspects.of(scope).add(_TagRawResources(tags))


@jsii.implements(IAspect)
class _TagRawResources:
    """Sets the `Tags` property of raw CfnResources, in the order `Tags.of` renders them."""

    def __init__(self, tags: Mapping[str, str]) -> None:
        self._tags = [{"Key": key, "Value": tags[key]} for key in sorted(tags)]

    def visit(self, node: IConstruct) -> None:
        if (
            isinstance(node, CfnResource)
            and node.cfn_resource_type in RAW_TAGGABLE_TYPES
            and not TagManager.is_taggable(node)
        ):
            node.add_property_override("Tags", self._tags)
