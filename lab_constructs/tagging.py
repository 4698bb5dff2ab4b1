"""Tags on every taggable resource of a scope, including those CDK writes as raw CfnResource."""

from collections.abc import Mapping

import jsii
from aws_cdk import Aspects, ConstructSelector, IAspect, TagManager, Tags
from constructs import Construct, IConstruct

# CDK's custom-resource providers (auto-delete objects, restrict default security group, ...)
# write their role and function as plain CfnResource, which `Tags.of` cannot reach.
RAW_TAGGABLE_TYPES = ("AWS::IAM::Role", "AWS::Lambda::Function")
# The child of the scope that carries the raw resources' aspect (no resource, no template change).
RAW_TAGS_ID = "RawResourceTags"


def apply_tags(scope: Construct, tags: Mapping[str, str]) -> None:
    """Tag every taggable resource under `scope` with `tags`.

    The raw resources are tagged at synth, once every construct exists, by an aspect on one
    empty child of `scope`: CDK calls it once, not once per construct as an aspect on `scope`
    itself (each call from CDK into Python is a round trip to jsii's Node process; a synth of
    every lab made some 550 of them, most of a CPU-second). Raw resources that another aspect
    adds later in the synth are not tagged; no aspect of ours adds resources.
    """
    scope_tags = Tags.of(scope)
    for key, value in tags.items():
        scope_tags.add(key, value)
    Aspects.of(Construct(scope, RAW_TAGS_ID)).add(_TagRawResources(scope, tags))


@jsii.implements(IAspect)
class _TagRawResources:
    """Sets the `Tags` property of the raw CfnResources under `scope`, as `Tags.of` renders them."""

    def __init__(self, scope: IConstruct, tags: Mapping[str, str]) -> None:
        self._scope = scope
        self._tags = [{"Key": key, "Value": tags[key]} for key in sorted(tags)]

    def visit(self, node: IConstruct) -> None:
        """Called once, with the RAW_TAGS_ID child of the scope."""
        selector = ConstructSelector.resources_of_type(*RAW_TAGGABLE_TYPES)
        for resource in selector.select(self._scope):
            if not TagManager.is_taggable(resource):
                resource.add_property_override("Tags", self._tags)
