"""Expands the SAM template into plain CloudFormation, offline, so cfn-lint and checkov can check
what CloudFormation will actually receive. Usage: expand_sam.py template.yaml out.json"""
import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names no AWS managed policies (each function has its own inline policy), so
    the translator never needs to look one up in IAM."""

    def load(self):
        return {}


def main(src, dst):
    with open(src) as f:
        template = yaml_parse(f.read())
    # `sam package` replaces local code paths with the S3 objects it uploads: do the same with
    # placeholders (the code itself is built and checked by scripts/package-lambdas).
    for name, res in template["Resources"].items():
        if res["Type"] == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = f"s3://cartback-artifacts/{name}.zip"
    expanded = transform(template, {}, NoManagedPolicies())
    with open(dst, "w") as f:
        json.dump(expanded, f, indent=1, sort_keys=True)
    print(f"expanded {src} -> {dst}: {len(expanded['Resources'])} resources")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
