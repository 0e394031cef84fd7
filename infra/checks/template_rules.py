"""Cartback's own rules for infra/template.yaml, beyond what cfn-lint and checkov know:
every function logs to a log group of the template with a retention, every dead-letter queue is alarmed, the scheduler has a heartbeat alarm, each function has its
own inline least-privilege policy (no SAM policy templates, no wildcards on data), SQS event
sources report partial batch failures, the timer queue's visibility is at least 6x the
dispatcher's timeout, and the dashboard body is valid JSON. Usage: template_rules.py FILE"""
import json
import re
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def _any(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {"!" + suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {"!" + suffix: loader.construct_sequence(node, deep=True)}
    return {"!" + suffix: loader.construct_mapping(node, deep=True)}


Loader.add_multi_constructor("!", _any)


def refs(value):
    """Every logical id a value refers to (!Ref X, !GetAtt X.Attr, ${X} in !Sub)."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "!Ref" and isinstance(v, str):
                out.add(v)
            elif k == "!GetAtt" and isinstance(v, str):
                out.add(v.split(".")[0])
            elif k == "!Sub" and isinstance(v, str):
                out.update(m.split(".")[0] for m in re.findall(r"\$\{([^}]+)\}", v))
            out |= refs(v)
    elif isinstance(value, list):
        for v in value:
            out |= refs(v)
    return out


def main(path):
    t = yaml.load(open(path), Loader=Loader)
    res = t["Resources"]
    glob = t.get("Globals", {}).get("Function", {})
    errors = []
    alarms = {n: r for n, r in res.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    functions = {n: r for n, r in res.items() if r["Type"] == "AWS::Serverless::Function"}

    for name, r in res.items():
        if r["Type"] == "AWS::SQS::Queue" and "DLQ" in name:
            if not any(name in refs(a["Properties"].get("Dimensions", [])) for a in alarms.values()):
                errors.append(f"dead-letter queue {name} has no depth alarm")
    if not any(
        a["Properties"].get("MetricName") == "Invocations" and "SchedulerFunction" in refs(a["Properties"].get("Dimensions", []))
        and a["Properties"].get("TreatMissingData") == "breaching"
        for a in alarms.values()
    ):
        errors.append("no 'scheduler silent' alarm (Invocations < 1, missing data breaching)")

    if glob.get("Runtime") != "provided.al2023" or glob.get("Architectures") != ["arm64"]:
        errors.append("functions must run provided.al2023 on arm64")
    for name, f in functions.items():
        props = f["Properties"]
        # Lambda's own log group keeps everything forever: each function writes to one of ours.
        group = refs(props.get("LoggingConfig", {}).get("LogGroup"))
        if len(group) != 1 or res.get(next(iter(group)), {}).get("Type") != "AWS::Logs::LogGroup":
            errors.append(f"{name}: LoggingConfig.LogGroup must name a log group of the template")
        elif "RetentionInDays" not in res[next(iter(group))]["Properties"]:
            errors.append(f"{name}: its log group has no RetentionInDays")
        if f.get("Metadata", {}).get("BuildMethod") != "rust-cargolambda":
            errors.append(f"{name}: BuildMethod must be rust-cargolambda")
        policies = props.get("Policies", [])
        if len(policies) != 1 or not isinstance(policies[0], dict) or "Statement" not in policies[0]:
            errors.append(f"{name}: exactly one inline policy document expected, no SAM policy templates")
            continue
        # A statement under a condition (`Fn::If`) is checked in each branch that has one.
        statements = []
        for st in policies[0]["Statement"]:
            branches = isinstance(st, dict) and (st.get("Fn::If") or st.get("!If"))
            if branches:
                statements += [b for b in branches[1:] if isinstance(b, dict) and "Action" in b]
            else:
                statements.append(st)
        for st in statements:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if any(a.endswith("*") for a in actions):
                errors.append(f"{name}: wildcard action in {st.get('Sid')}")
            if st.get("Resource") == "*":
                errors.append(f"{name}: wildcard resource in {st.get('Sid')}")
        if "ReservedConcurrentExecutions" not in props:
            errors.append(f"{name}: no reserved concurrency")
        for ev_name, ev in props.get("Events", {}).items():
            if ev["Type"] == "SQS" and "ReportBatchItemFailures" not in ev["Properties"].get("FunctionResponseTypes", []):
                errors.append(f"{name}.{ev_name}: SQS source without ReportBatchItemFailures")

    timeout = functions["DispatcherFunction"]["Properties"].get("Timeout", glob.get("Timeout"))
    visibility = res["TimerQueue"]["Properties"]["VisibilityTimeout"]
    if visibility < 6 * timeout:
        errors.append(f"TimerQueue visibility {visibility}s < 6 x dispatcher timeout {timeout}s")
    for name, r in res.items():
        if r["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" not in r["Properties"] and "DLQ" not in name:
            errors.append(f"queue {name} has no dead-letter queue")

    # The snippet's rate limiter lives in each Lambda instance; the bound over all of them is the
    # HTTP API's own throttling of every route (README, "The publishable key").
    apis = [r for r in res.values() if r["Type"] == "AWS::Serverless::HttpApi"]
    for api in apis:
        route = api["Properties"].get("DefaultRouteSettings", {})
        if not (route.get("ThrottlingBurstLimit") and route.get("ThrottlingRateLimit")):
            errors.append("the HTTP API has no per-route throttling (DefaultRouteSettings)")

    # SES events reach the scheduler from any configuration set (a store may use its own), so
    # the rule matches Cartback's message tag, not the stack's configuration set.
    email = res["SchedulerFunction"]["Properties"]["Events"]["EmailEvents"]["Properties"]["Pattern"]
    tags = email.get("detail", {}).get("mail", {}).get("tags", {})
    if tags != {"cartback_store": [{"exists": True}]}:
        errors.append(f"the SES events rule must match the cartback_store tag alone, not {tags}")

    body = res["Dashboard"]["Properties"]["DashboardBody"]["!Sub"]
    try:
        json.loads(re.sub(r"\$\{[^}]+\}", "X", body))
    except json.JSONDecodeError as e:
        errors.append(f"dashboard body is not JSON: {e}")

    for e in errors:
        print("FAIL", e)
    print(f"template rules: {len(functions)} functions, {len(alarms)} alarms, {len(errors)} problems")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main(sys.argv[1])
