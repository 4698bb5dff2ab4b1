"""The AWS region every tool of ours uses: the one the CDK CLI deploys into.

boto3 and the CDK CLI disagree: boto3 ignores `AWS_REGION` and reads only `AWS_DEFAULT_REGION`
and the profile's config; the CDK CLI reads `AWS_REGION` first. labcheck and the class
commands therefore resolve the region here, with the CDK CLI's rule, and pass it to boto3
explicitly. The rule, as the pinned CLI implements it (node_modules/aws-cdk/lib/index.js,
`region(maybeProfile)` and `getRegionFromIni`):

1. the environment: `AWS_REGION`, `AMAZON_REGION`, `AWS_DEFAULT_REGION`, `AMAZON_DEFAULT_REGION`;
2. the profile's `region` (`--profile`, else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`),
   in the credentials file, then the config file; then the `default` profile's, in that order;
3. (on an EC2 instance only: the instance's region; not followed here: set a region instead;
   the class commands pass the region they resolved to the CDK CLI, so both always agree);
4. `us-east-1`.

No boto3 or CDK import: labcheck imports this with boto3 alone installed.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REGION_VARIABLES = ("AWS_REGION", "AMAZON_REGION", "AWS_DEFAULT_REGION", "AMAZON_DEFAULT_REGION")
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
CDK_DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Region:
    """A region and where it came from, for the line each tool prints."""

    name: str
    source: str

    def __str__(self) -> str:
        return f"{self.name} (from {self.source})"


def resolve_region(profile: str | None = None, environ: Mapping[str, str] | None = None) -> Region:
    """The region the CDK CLI would use with `profile` (None: the environment's profile)."""
    env = os.environ if environ is None else environ
    for variable in REGION_VARIABLES:
        if env.get(variable):
            return Region(env[variable], variable)
    profile = profile or next((env[v] for v in PROFILE_VARIABLES if env.get(v)), "default")
    files = [
        (*_ini(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"), False),
        (*_ini(env, "AWS_CONFIG_FILE", "config"), True),
    ]
    for name in dict.fromkeys([profile, "default"]):
        for path, sections, is_config in files:
            region = sections.get(_section(name, is_config), {}).get("region")
            if region:
                return Region(region, f"profile {name} in {path}")
    return Region(CDK_DEFAULT_REGION, "the CDK's default: no region configured")


def known_profiles(environ: Mapping[str, str] | None = None) -> set[str]:
    """The profiles the AWS config and credentials files define (the files boto3 and the CDK
    CLI read: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`)."""
    env = os.environ if environ is None else environ
    _, credentials = _ini(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
    _, config = _ini(env, "AWS_CONFIG_FILE", "config")
    names = set(credentials)
    for section in config:
        if section == "default" or section.startswith("profile "):
            names.add(section.removeprefix("profile ").strip())
    return names


def _section(profile: str, is_config: bool) -> str:
    """The config file names profiles `[profile x]` (but `[default]`); credentials `[x]`."""
    return f"profile {profile}" if is_config and profile != "default" else profile


def _ini(env: Mapping[str, str], variable: str, name: str) -> tuple[str, dict[str, dict]]:
    """The sections of an AWS ini file; a missing or unreadable file has none."""
    path = env.get(variable) or str(Path(env.get("HOME", Path.home())) / ".aws" / name)
    parser = configparser.RawConfigParser(default_section="\0", strict=False)
    try:
        parser.read(os.path.expanduser(path))
    except (configparser.Error, UnicodeDecodeError):
        return path, {}
    sections = {s.strip(): dict(parser[s]) for s in parser.sections()}
    if "profile default" in sections:  # both spellings name the default profile in the config
        sections.setdefault("default", sections["profile default"])
    return path, sections
