"""A new AWS account can deploy the stack: the four functions are created on moto's Lambda with the
template's settings, each reservation of concurrency the template makes is asked for with
PutFunctionConcurrency, and moto holds the account to Lambda's rule (at least 100 executions stay
unreserved) under a quota of 110 — a small account's. Then the check is shown able to fail: the
same template with `DispatcherReservedConcurrency=20` is refused with Lambda's message.

Needs a moto server (AWS_ENDPOINT_URL) started with MOTO_LAMBDA_CONCURRENCY_QUOTA=110
(scripts/moto does)."""

import io
import os
import sys
import zipfile
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
from template import Template  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ASSUME = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'


def role():
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    try:
        return iam.get_role(RoleName="cartback-new-account")["Role"]["Arn"]
    except ClientError:
        return iam.create_role(RoleName="cartback-new-account", AssumeRolePolicyDocument=ASSUME)["Role"]["Arn"]


def package():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return buf.getvalue()


def deploy(params, tag):
    """Creates the template's functions (names suffixed by `tag`); returns the error Lambda gave
    the first reservation it refused, or None."""
    tpl = Template(ROOT / "infra/template.yaml", "e2e", params=params)
    lam = boto3.client("lambda", region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    code = package()
    arn = role()
    refused = None
    created = []
    for lid, r in tpl.resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        p = tpl.resolve({k: v for k, v in r["Properties"].items() if k in ("ReservedConcurrentExecutions",)})
        name = f"cartback-{tag}-{lid}"
        lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=arn, Handler="bootstrap",
                            Code={"ZipFile": code}, Architectures=["arm64"])
        created.append(name)
        if "ReservedConcurrentExecutions" in p:
            try:
                lam.put_function_concurrency(FunctionName=name,
                                             ReservedConcurrentExecutions=int(p["ReservedConcurrentExecutions"]))
            except ClientError as e:
                refused = refused or e.response["Error"]["Message"]
    for name in created:
        lam.delete_function(FunctionName=name)
    return refused, len(created)


def main():
    refused, n = deploy({}, "default")
    if n != 4:
        sys.exit(f"FAIL: expected the template's 4 functions, created {n}")
    if refused:
        sys.exit(f"FAIL: the default template cannot deploy in a small account: {refused}")
    print(f"ok: the default template's {n} functions deploy under an account quota of 110 (nothing reserved)")
    refused, _ = deploy({"DispatcherReservedConcurrency": "20"}, "reserving")
    if not refused or "UnreservedConcurrentExecution" not in refused:
        sys.exit(f"FAIL: a reservation of 20 under a quota of 110 was not refused ({refused!r}): the check cannot fail")
    print(f"ok: DispatcherReservedConcurrency=20 is refused as Lambda refuses it: {refused}")


if __name__ == "__main__":
    main()
