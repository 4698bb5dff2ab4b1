"""CustomResourceHandler on its own: CloudFormation waits a minute longer than it may take.

Every custom resource of every template: tests/test_service_timeouts.py.
"""

import pytest
from aws_cdk import Duration

from lab_constructs.custom_resource import CustomResourceHandler
from tests.lab_constructs.helpers import bare_template
from tests.templates import only


def _resource(answers_within: Duration):
    handler = CustomResourceHandler(
        "arn:aws:lambda:us-east-1:123456789012:function:handler", answers_within
    )
    return lambda stack: handler.resource(
        stack, "Thing", resource_type="Custom::Thing", properties={"Key": "value"}
    )


def test_cloudformation_waits_a_minute_more_then_fails_it_and_deletes_it_with_the_stack():
    _, resource = only(bare_template(_resource(Duration.minutes(3))), "Custom::Thing")
    assert resource["Properties"]["ServiceTimeout"] == "240"
    assert resource["Properties"]["Key"] == "value"
    assert resource["DeletionPolicy"] == "Delete"


def test_handlers_that_may_take_an_hour_leave_no_margin():
    with pytest.raises(ValueError, match="no margin within 1 hour"):
        bare_template(_resource(Duration.minutes(60)))
    _, resource = only(bare_template(_resource(Duration.minutes(59))), "Custom::Thing")
    assert resource["Properties"]["ServiceTimeout"] == "3600"
