"""The few calls the fake CDK CLI makes to moto's server, on the wire, without an SDK.

The fake CLI (tests/classroom/fake_cdk.py) is started about a hundred and fifty times per test
run, and importing boto3 and loading two service models cost it 0.3 s of CPU each time, more
than all its work. It needs five CloudFormation calls (the Query protocol: a form in, XML out)
and two of SSM (JSON in and out). moto's server picks the service and the region from the
signature's credential scope and checks no signature, so none is computed. The engine's own
calls, the ones under test, still go through boto3 (tests/classroom/fake_cloud.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any


class MotoError(Exception):
    """moto answered with an error (its code and message, as the response says)."""


class _Service:
    name = ""

    def __init__(self, endpoint: str, region: str) -> None:
        self.endpoint, self.region = endpoint, region

    def _post(self, body: bytes, headers: dict[str, str]) -> bytes:
        scope = f"testing/20260101/{self.region}/{self.name}/aws4_request"
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"
        )
        request = urllib.request.Request(self.endpoint + "/", body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise MotoError(error.read().decode(errors="replace")) from None


class CloudFormation(_Service):
    name = "cloudformation"

    def _call(self, action: str, **params: str) -> ET.Element:
        form = {"Action": action, "Version": "2010-05-15", **params}
        content = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        answer = self._post(urllib.parse.urlencode(form).encode(), content)
        root = ET.fromstring(answer)
        for element in root.iter():  # no namespace: compare names only
            element.tag = element.tag.rpartition("}")[2]
        return root

    def describe_stacks(self) -> list[dict[str, str]]:
        """Every stack moto holds: name, id and status."""
        fields = ("StackName", "StackId", "StackStatus")
        return [
            {field: stack.findtext(field, "") for field in fields}
            for stack in self._call("DescribeStacks").iter("member")
            if stack.find("StackId") is not None
        ]

    def create_stack(self, name: str, template: str) -> str:
        return self._call("CreateStack", StackName=name, TemplateBody=template).findtext(
            ".//StackId", ""
        )

    def update_stack(self, name: str, template: str) -> None:
        self._call("UpdateStack", StackName=name, TemplateBody=template)

    def delete_stack(self, name: str) -> None:
        self._call("DeleteStack", StackName=name)

    def create_change_set(self, name: str, change_set: str, template: str) -> None:
        self._call(
            "CreateChangeSet", StackName=name, ChangeSetName=change_set,
            ChangeSetType="CREATE", TemplateBody=template,
        )  # fmt: skip


class Ssm(_Service):
    name = "ssm"

    def _call(self, action: str, **params: Any) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AmazonSSM.{action}",
        }
        return json.loads(self._post(json.dumps(params).encode(), headers) or b"{}")

    def put_parameter(self, name: str, value: str) -> None:
        self._call("PutParameter", Name=name, Value=value, Type="String", Overwrite=True)

    def get_parameter(self, name: str) -> str:
        """The parameter's value; MotoError (ParameterNotFound) if there is none."""
        return self._call("GetParameter", Name=name)["Parameter"]["Value"]
