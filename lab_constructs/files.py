"""Files of a lab's folder that the stack writes into its bucket when it deploys.

Each file is one custom resource whose properties hold the file's text and Content-Type, served
by our deploy-time function (handlers/deploy_time `put_object`): no asset zip, no AWS CLI layer
(CDK's BucketDeployment brought a 21 MB one for a few hundred bytes), no second function. A
changed file changes the resource's properties, so the next deploy rewrites the object; a file
that leaves the lab, and every file on destroy, is deleted before its bucket, but only if the
resource wrote it last (a mark in its metadata): a file whose construct is renamed keeps its
object, which the new resource writes before CloudFormation deletes the old one.

Limits, checked at synth: UTF-8 text (CloudFormation properties are strings; the handler writes
the text's UTF-8 bytes, which are the file's bytes) of at most MAX_FILE_BYTES each, so a lab's
template stays small and well under the size of a Lambda request.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import CustomResource, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lab_constructs.deploy_time import DeployTimeFunction

RESOURCE_TYPE = "Custom::LabFile"
MAX_FILE_BYTES = 32 * 1024
# The handler retries AccessDenied for 2 minutes (handlers/deploy_time); then it must still answer.
PUT_OBJECT_TIMEOUT = Duration.minutes(3)
# Python's built-in table only (no /etc/mime.types), so every machine synthesizes the same.
_BUILT_IN_TYPES = mimetypes.MimeTypes(filenames=())


def content_type_of(name: str) -> str:
    """The Content-Type of a UTF-8 text file by its name: `a.txt` -> text/plain; charset=utf-8."""
    guessed, _ = _BUILT_IN_TYPES.guess_type(name, strict=True)
    if guessed is None:
        raise ValueError(f"LabFiles: no Content-Type known for {name!r}, give content_type")
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def read_text(path: Path) -> str:
    """The file as text; raises ValueError unless it is UTF-8 of at most MAX_FILE_BYTES."""
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"LabFiles: {path} has {len(data)} bytes, at most {MAX_FILE_BYTES}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"LabFiles: {path} is not UTF-8 text") from None


class LabFiles(Construct):
    """Writes the named files of `source_dir` to the root of `bucket` on deploy.

    Only the named files are written, so a lab's guide can live beside its assets. The function
    may put and delete these keys of this bucket only.

    Attributes:
        objects: the custom resource of each file, by file name.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        source_dir: Path,
        files: Sequence[str],
        content_type: str | None = None,
    ) -> None:
        """
        Args:
            bucket: where the files go.
            source_dir: the lab's folder.
            files: names of the files in `source_dir` to write (UTF-8 text).
            content_type: the `Content-Type` of every file (default: from each file's name).
        """
        super().__init__(scope, construct_id)
        missing = [name for name in files if not (source_dir / name).is_file()]
        if not files or missing:
            raise ValueError(f"LabFiles {construct_id}: no such file in {source_dir}: {missing}")
        writer = DeployTimeFunction(
            self,
            "Writer",
            handler="put_object",
            description=f"Writes {', '.join(files)} into the lab's bucket on deploy",
            timeout=PUT_OBJECT_TIMEOUT,
        )
        writer.function.add_to_role_policy(
            iam.PolicyStatement(
                # GetObject for HeadObject: whether this resource wrote the object it deletes.
                actions=["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
                resources=[bucket.arn_for_objects(name) for name in files],
            )
        )
        self.objects: dict[str, CustomResource] = {
            name: writer.handler.resource(
                self,
                name,
                resource_type=RESOURCE_TYPE,
                properties={
                    "Bucket": bucket.bucket_name,
                    "Key": name,
                    "Body": read_text(source_dir / name),
                    "ContentType": content_type or content_type_of(name),
                },
            )
            for name in files
        }
