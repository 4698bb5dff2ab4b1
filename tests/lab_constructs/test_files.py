"""LabFiles on its own, in a bare Stack: each file written byte for byte, and nothing more."""

import pytest
from aws_cdk import aws_s3 as s3

from lab_constructs import LabFiles
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type


def _template(folder, files, **options) -> dict:
    def build(stack):
        bucket = s3.Bucket(stack, "Bucket")
        LabFiles(stack, "Files", bucket=bucket, source_dir=folder, files=files, **options)

    return bare_template(build)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.txt").write_bytes("caf\u00e9\r\nline two\n".encode())
    (tmp_path / "page.html").write_bytes(b"<p>hi</p>")
    (tmp_path / "README.md").write_text("the guide")
    return tmp_path


def test_each_named_file_is_one_resource_with_its_text_and_content_type(folder):
    template = _template(folder, ["a.txt", "page.html"])
    files = {
        r["Properties"]["Key"]: r["Properties"]
        for r in of_type(template, "Custom::LabFile").values()
    }
    assert sorted(files) == ["a.txt", "page.html"], "only the named files, not the guide"
    assert files["a.txt"]["Body"] == "caf\u00e9\r\nline two\n"
    assert files["a.txt"]["ContentType"] == "text/plain; charset=utf-8"
    assert files["page.html"]["ContentType"] == "text/html; charset=utf-8"
    assert all(f["Bucket"] == {"Ref": "Bucket83908E77"} for f in files.values())


def test_one_content_type_for_every_file_when_given(folder):
    template = _template(folder, ["a.txt"], content_type="text/markdown")
    (written,) = of_type(template, "Custom::LabFile").values()
    assert written["Properties"]["ContentType"] == "text/markdown"


def test_the_writer_may_put_read_and_delete_the_named_keys_only(folder):
    """GetObject: HeadObject, to delete only an object the resource wrote."""
    template = _template(folder, ["a.txt", "page.html"])
    statements = [
        statement
        for policy in of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "s3:PutObject" in statement["Action"]
    ]
    assert len(statements) == 1
    assert sorted(statements[0]["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    keys = [r["Fn::Join"][1][-1] for r in statements[0]["Resource"]]
    assert keys == ["/a.txt", "/page.html"]


def test_no_asset_layer_or_bucket_deployment(folder):
    template = _template(folder, ["a.txt"])
    types = {r["Type"] for r in template["Resources"].values()}
    assert "Custom::CDKBucketDeployment" not in types
    assert "AWS::Lambda::LayerVersion" not in types


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("binary.txt", b"\xff\xfe\x00", "not UTF-8 text"),
        ("big.txt", b"x" * (32 * 1024 + 1), "at most 32768"),
        ("data.unknownext", b"x", "no Content-Type known"),
    ],
)
def test_files_it_cannot_write_exactly_are_refused_at_synth(tmp_path, name, data, message):
    if data is not None:
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ValueError, match=message):
        _template(tmp_path, [name])
