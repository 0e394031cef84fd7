"""What the end-to-end test reads from infra/template.yaml, so template and code cannot drift:
each function's binary, environment, HTTP API routes, SQS event source and schedule, and the
table's and queues' definitions."""

import json
import re
import secrets
from dataclasses import dataclass, field

import yaml


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt, ...) as their long forms."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


@dataclass
class Route:
    method: str
    path: str
    function: str  # logical id

    @property
    def key(self):
        return f"{self.method} {self.path}"

    def matches(self, method, path):
        if method != self.method:
            return None
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$"
        m = re.match(pattern, path)
        return m.groupdict() if m else None


@dataclass
class Function:
    logical_id: str
    binary: str
    env: dict
    timeout: int
    routes: list = field(default_factory=list)
    sqs: dict | None = None  # the SQS event's Properties
    schedule: str | None = None  # ScheduleV2 expression


# `Ref: AWS::NoValue`: the property it stands in is left out.
NO_VALUE = object()


class Template:
    def __init__(self, path, stage, region="us-east-1", account="123456789012", params=None):
        with open(path) as f:
            self.doc = yaml.load(f, Loader=_CfnLoader)
        self.resources = self.doc["Resources"]
        self.params = {k: v.get("Default") for k, v in self.doc.get("Parameters", {}).items()}
        self.params.update({"Stage": stage, "AWS::Region": region, "AWS::AccountId": account,
                            "AWS::Partition": "aws"})
        self.params.update(params or {})
        # What a Ref or GetAtt of a resource stands for once it exists (set by the test).
        self.physical = {}

    def resolve(self, v):
        """A property value with its intrinsic functions evaluated; unknown ones fail loudly."""
        if isinstance(v, dict) and len(v) == 1 and (next(iter(v)) == "Ref" or next(iter(v)).startswith("Fn::")):
            (k, arg), = v.items()
            if k == "Ref":
                if arg == "AWS::NoValue":
                    return NO_VALUE
                if arg in self.params:
                    return self.params[arg]
                if arg in self.physical:
                    return self.physical[arg]["ref"]
                raise KeyError(f"template Ref to {arg}: not provided by the test")
            if k == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m.group(1))), text)
            if k == "Fn::GetAtt":
                res, att = arg
                return self.physical[res][att]
            if k == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if k == "Fn::FindInMap":
                name, key, att = (self.resolve(a) for a in arg)
                return self.doc["Mappings"][name][key][att]
            raise KeyError(f"template function {k} not supported by the test")
        if isinstance(v, dict):
            out = {k: self.resolve(x) for k, x in v.items()}
            return {k: x for k, x in out.items() if x is not NO_VALUE}
        if isinstance(v, list):
            return [x for x in (self.resolve(x) for x in v) if x is not NO_VALUE]
        return v

    def condition(self, name):
        """A named condition of the template, evaluated with the parameters given."""
        return self._cond(self.doc["Conditions"][name])

    def _cond(self, c):
        (k, arg), = c.items()
        if k == "Fn::Equals":
            a, b = (self.resolve(x) for x in arg)
            return str(a) == str(b)
        if k == "Fn::Not":
            return not self._cond(arg[0])
        if k == "Fn::And":
            return all(self._cond(x) for x in arg)
        if k == "Fn::Or":
            return any(self._cond(x) for x in arg)
        if k == "Condition":
            return self.condition(arg)
        raise KeyError(f"condition function {k} not supported by the test")

    def _sub(self, name):
        if "." in name:
            res, att = name.split(".", 1)
            return self.physical[res][att]
        return self.resolve({"Ref": name})

    def props(self, logical_id):
        return self.resources[logical_id]["Properties"]

    def functions(self):
        glob = self.doc.get("Globals", {}).get("Function", {})
        genv = glob.get("Environment", {}).get("Variables", {})
        out = []
        for lid, r in self.resources.items():
            if r["Type"] != "AWS::Serverless::Function":
                continue
            p = r["Properties"]
            env = dict(genv)
            env.update(p.get("Environment", {}).get("Variables", {}))
            resolved = {k: self.resolve(v) for k, v in env.items()}
            fn = Function(lid, r["Metadata"]["BuildProperties"]["Binary"],
                          {k: str(v) for k, v in resolved.items() if v is not NO_VALUE},
                          int(p.get("Timeout", glob.get("Timeout", 3))))
            for ev in p.get("Events", {}).values():
                ep = ev.get("Properties", {})
                if ev["Type"] == "HttpApi":
                    fn.routes.append(Route(ep["Method"], ep["Path"], lid))
                elif ev["Type"] == "SQS":
                    fn.sqs = ep
                elif ev["Type"] == "ScheduleV2":
                    fn.schedule = ep["ScheduleExpression"]
            out.append(fn)
        return out

    def table_request(self, logical_id):
        """CreateTable's arguments from the table's properties."""
        raw = self.props(logical_id)
        keep = ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes",
                "TimeToLiveSpecification")
        p = self.resolve({k: raw[k] for k in keep if k in raw})
        req = {k: p[k] for k in ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode") if k in p}
        # No name given (the default): CloudFormation's own, `{stack}-{logical id}-{random}`.
        req.setdefault("TableName", f"cartback-{self.params['Stage']}-{logical_id}-{secrets.token_hex(6).upper()}")
        if "GlobalSecondaryIndexes" in p:
            req["GlobalSecondaryIndexes"] = [
                {k: g[k] for k in ("IndexName", "KeySchema", "Projection")} for g in p["GlobalSecondaryIndexes"]
            ]
        return req, p.get("TimeToLiveSpecification")

    def queue_attributes(self, logical_id):
        """CreateQueue's name and attributes from the queue's properties (KMS left out: moto)."""
        raw = self.props(logical_id)
        p = self.resolve({k: raw[k] for k in ("QueueName", "VisibilityTimeout", "MessageRetentionPeriod",
                                               "DelaySeconds", "RedrivePolicy") if k in raw})
        attrs = {}
        for k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
            if k in p:
                attrs[k] = str(p[k])
        if "RedrivePolicy" in p:
            attrs["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        return p["QueueName"], attrs


def rate_seconds(expression):
    """`rate(1 minute)` → 60."""
    m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|second|seconds)\)", expression)
    if not m:
        raise ValueError(f"schedule {expression!r} not understood by the test")
    unit = {"second": 1, "minute": 60, "hour": 3600}[m.group(2).rstrip("s")]
    return int(m.group(1)) * unit
