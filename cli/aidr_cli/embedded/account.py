"""Deploy template.yaml into an emulated account (moto, in process), as CloudFormation + SAM would.

What the template declares is created through the public APIs of the emulated services: event buses, rules
(patterns, state and targets), DynamoDB tables, SNS topics and subscriptions, SQS queues and their policies,
KMS keys and aliases, SSM parameters, IAM roles and managed policies, Lambda functions (code runs in process,
see :mod:`.delivery`) and state machines (DefinitionSubstitutions resolved). The API's authorisation model is
recorded (which routes need AWS_IAM). Types nothing here needs to emulate (alarms, log groups, Lambda
permissions, the layer) are listed in :attr:`Deployment.skipped` with the reason, never silently dropped.

Call :func:`deploy` inside an active ``moto.mock_aws``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidr.errors import TemplateError

from ..template import Conditions, default_template_path, load_template
from .intrinsics import Resolver, Stack, references

STACK_NAME = "aidr"
ACCOUNT = "111122223333"
REGION = "us-east-1"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
STATES_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

# Declared, deliberately not emulated: what they would do has no effect on an in-process run.
NOT_EMULATED = {
    "AWS::Serverless::LayerVersion": "the library is imported in process",
    "AWS::Lambda::LayerVersion": "the library is imported in process",
    "AWS::Logs::LogGroup": "handler logs are captured in process",
    "AWS::CloudWatch::Alarm": "no metrics are emitted in process",
    "AWS::Lambda::Permission": "delivery calls the handlers directly",
    "AWS::Lambda::EventInvokeConfig": "delivery calls the handlers directly",
    "AWS::Serverless::Api": "recorded in the API authorisation model",
    "AWS::ApiGateway::RestApi": "recorded in the API authorisation model",
    "AWS::ApiGateway::Method": "recorded in the API authorisation model",
}


@dataclass
class Target:
    id: str
    arn: str
    logical_id: str | None  # the template resource it names (function / state machine)
    kind: str  # "function" | "state-machine" | "queue" | "other"
    input: str | None = None
    input_path: str | None = None


@dataclass
class Rule:
    logical_id: str
    name: str
    bus: str  # physical bus name
    pattern: dict[str, Any]
    state: str
    targets: list[Target]


@dataclass
class Function:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    env: dict[str, str]
    dlq_arn: str | None = None


@dataclass
class ApiRoute:
    function: str
    method: str
    path: str
    auth: str  # "AWS_IAM", "NONE", or the authorizer name


@dataclass
class Deployment:
    """What :func:`deploy` created, by logical id, and what it skipped (with why)."""

    stack: Stack
    created: dict[str, str] = field(default_factory=dict)  # logical id -> resource type
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> reason
    rules: list[Rule] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    api: list[ApiRoute] = field(default_factory=list)
    log_subscriptions: dict[str, str] = field(default_factory=dict)  # log group -> destination function logical id
    root: Path = Path(".")

    def ref(self, logical_id: str) -> Any:
        return self.stack.refs[logical_id]

    def att(self, logical_id: str, attr: str) -> Any:
        return self.stack.attrs[logical_id][attr]

    def function_by_name(self, name: str) -> Function | None:
        for f in self.functions.values():
            if name in (f.name, f.arn, f.logical_id):
                return f
        return None

    def env(self) -> dict[str, str]:
        """The environment every function shares (Globals), for callers acting like one of them."""
        return dict(next(iter(self.functions.values())).env) if self.functions else {}


def deploy(template_path: str | Path | None = None, parameters: dict[str, str] | None = None,
           clients: Any = None, stack_name: str = STACK_NAME, account: str = ACCOUNT,
           region: str = REGION) -> Deployment:
    """Create every resource of the template in the active moto account.

    ``parameters`` override the template's defaults (e.g. ``{"MaturityPhase": "advanced"}``); ``clients`` is a
    callable service -> boto3 client (default :func:`aidr.aws.client`).
    """
    path = Path(template_path) if template_path else default_template_path()
    template = load_template(path)
    unknown = set(parameters or {}) - set(template.get("Parameters") or {})
    if unknown:
        raise TemplateError(f"{path}: no parameter {', '.join(sorted(unknown))} in the template")
    conditions = Conditions.for_template(template, parameters)
    stack = Stack(stack_name, account, region, template, conditions)
    if clients is None:
        from aidr.aws import client as clients
    d = Deployment(stack, root=path.resolve().parent)
    _Deployer(d, clients).run()
    return d


class _Deployer:
    def __init__(self, d: Deployment, clients: Any) -> None:
        self.d = d
        self.client = clients
        self.stack = d.stack
        self.resolver = Resolver(self.stack)
        self.resources: dict[str, Any] = self.stack.template["Resources"]
        self.stack.fallback = self._fallback

    # ------------------------------------------------------------------ order
    def run(self) -> None:
        active = {lid: r for lid, r in self.resources.items()
                  if isinstance(r, dict) and self.stack.conditions.holds(r.get("Condition"))}
        for lid, r in self.resources.items():
            if lid not in active:
                self.d.skipped[lid] = f"condition {r.get('Condition')} is false"
        for lid in self._order(active):
            res = active[lid]
            kind = res.get("Type", "")
            creator = getattr(self, "_" + re.sub(r"\W+", "_", kind).strip("_").lower(), None)
            if creator is None:
                self.d.skipped[lid] = NOT_EMULATED.get(kind, f"{kind} is not emulated")
                if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::Method"):
                    self._record_api_resource(lid, res)
                continue
            props = self._props(lid, res)
            creator(lid, props)
            self.d.created[lid] = kind

    def _order(self, active: dict[str, Any]) -> list[str]:
        """Dependencies first (Ref, GetAtt, Sub, DependsOn; implicit ``<X>Role`` counts as X)."""
        deps: dict[str, set[str]] = {}
        for lid, res in active.items():
            refs = references(res.get("Properties")) | set(_as_list(res.get("DependsOn")))
            if res.get("Type") == "AWS::Serverless::Function":
                refs |= references((self.stack.template.get("Globals") or {}).get("Function"))
            mapped = {r[:-4] if r.endswith("Role") and r[:-4] in active else r for r in refs}
            deps[lid] = {r for r in mapped if r in active and r != lid}
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(lid: str, path: list[str]) -> None:
            if state.get(lid) == 2:
                return
            if state.get(lid) == 1:
                raise TemplateError(f"circular dependency: {' -> '.join([*path, lid])}")
            state[lid] = 1
            for dep in sorted(deps[lid]):
                visit(dep, [*path, lid])
            state[lid] = 2
            order.append(lid)

        for lid in active:
            visit(lid, [])
        return order

    def _props(self, lid: str, res: dict[str, Any]) -> dict[str, Any]:
        props = dict(res.get("Properties") or {})
        if res.get("Type") == "AWS::Serverless::Function":
            props = _with_globals((self.stack.template.get("Globals") or {}).get("Function") or {}, props)
        elif res.get("Type") == "AWS::Serverless::StateMachine":
            props = _with_globals((self.stack.template.get("Globals") or {}).get("StateMachine") or {}, props)
        return self.resolver.resolve(props, f"resource {lid}")

    def _fallback(self, lid: str, attr: str | None) -> Any:
        """Ref/GetAtt of a resource that is skipped or implicit: a name and ARN shaped as AWS makes them."""
        st = self.stack
        res = self.resources.get(lid)
        if res is None and lid.endswith("Role") and lid[:-4] in self.resources:
            name = f"{st.name}-{lid}"
            return name if attr is None else f"arn:aws:iam::{st.account}:role/{name}"
        if res is None:
            raise TemplateError(f"Ref/GetAtt to {lid!r}, which the template does not declare")
        kind = str(res.get("Type", "")).split("::")
        service = kind[1].lower() if len(kind) > 1 else "unknown"
        name = f"{st.name}-{lid}"
        if attr is None:
            return name
        return f"arn:aws:{service}:{st.region}:{st.account}:{kind[-1].lower()}/{name}"

    def _set(self, lid: str, ref: Any, **attrs: Any) -> None:
        self.stack.refs[lid] = ref
        self.stack.attrs[lid] = attrs

    def _name(self, lid: str, props: dict[str, Any], key: str) -> str:
        return str(props.get(key) or f"{self.stack.name}-{lid}")

    # ------------------------------------------------------------------ KMS
    def _aws_kms_key(self, lid: str, p: dict[str, Any]) -> None:
        kms = self.client("kms")
        args: dict[str, Any] = {"Description": p.get("Description", ""),
                                "KeyUsage": p.get("KeyUsage", "ENCRYPT_DECRYPT")}
        if p.get("KeyPolicy"):
            args["Policy"] = json.dumps(p["KeyPolicy"])
        if p.get("KeySpec"):
            args["KeySpec"] = p["KeySpec"]
        meta = kms.create_key(**args)["KeyMetadata"]
        if p.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        self._set(lid, meta["KeyId"], Arn=meta["Arn"], KeyId=meta["KeyId"])

    def _aws_kms_alias(self, lid: str, p: dict[str, Any]) -> None:
        self.client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])
        self._set(lid, p["AliasName"])

    # ------------------------------------------------------------------ SQS / SNS
    def _aws_sqs_queue(self, lid: str, p: dict[str, Any]) -> None:
        sqs = self.client("sqs")
        name = self._name(lid, p, "QueueName")
        attrs = {k: json.dumps(v) if isinstance(v, dict) else str(v).lower() if isinstance(v, bool) else str(v)
                 for k, v in p.items() if k not in ("QueueName", "Tags")}
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._set(lid, url, Arn=arn, QueueName=name, QueueUrl=url)

    def _aws_sqs_queuepolicy(self, lid: str, p: dict[str, Any]) -> None:
        for url in p["Queues"]:
            self.client("sqs").set_queue_attributes(QueueUrl=url,
                                                    Attributes={"Policy": json.dumps(p["PolicyDocument"])})
        self._set(lid, f"{self.stack.name}-{lid}")

    def _aws_sns_topic(self, lid: str, p: dict[str, Any]) -> None:
        sns = self.client("sns")
        name = self._name(lid, p, "TopicName")
        attrs = {k: str(v) for k, v in p.items() if k in ("DisplayName", "KmsMasterKeyId", "FifoTopic")}
        arn = sns.create_topic(Name=name, Attributes=attrs)["TopicArn"]
        for sub in p.get("Subscription") or []:
            sns.subscribe(TopicArn=arn, Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
        self._set(lid, arn, TopicArn=arn, TopicName=name)

    def _aws_sns_topicpolicy(self, lid: str, p: dict[str, Any]) -> None:
        for arn in p["Topics"]:
            self.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                                    AttributeValue=json.dumps(p["PolicyDocument"]))
        self._set(lid, f"{self.stack.name}-{lid}")

    def _aws_sns_subscription(self, lid: str, p: dict[str, Any]) -> None:
        arn = self.client("sns").subscribe(TopicArn=p["TopicArn"], Protocol=p["Protocol"],
                                           Endpoint=p["Endpoint"])["SubscriptionArn"]
        self._set(lid, arn)

    # ------------------------------------------------------------------ DynamoDB / SSM / S3
    def _aws_dynamodb_table(self, lid: str, p: dict[str, Any]) -> None:
        ddb = self.client("dynamodb")
        name = self._name(lid, p, "TableName")
        keep = ("KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
                "StreamSpecification", "ProvisionedThroughput", "DeletionProtectionEnabled")
        args = {k: p[k] for k in keep if k in p}
        if p.get("SSESpecification"):
            sse = dict(p["SSESpecification"])
            sse["Enabled"] = bool(sse.pop("SSEEnabled", True))
            args["SSESpecification"] = sse
        desc = ddb.create_table(TableName=name, **args)["TableDescription"]
        ttl = p.get("TimeToLiveSpecification") or {}
        if ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"], "Enabled": True})
        if (p.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})
        self._set(lid, name, Arn=desc["TableArn"], StreamArn=desc.get("LatestStreamArn"))

    def _aws_ssm_parameter(self, lid: str, p: dict[str, Any]) -> None:
        args = {k: p[k] for k in ("Name", "Value", "Type", "Description", "Tier") if k in p}
        args.setdefault("Name", f"/{self.stack.name}/{lid}")
        self.client("ssm").put_parameter(**args)
        self._set(lid, args["Name"], Type=args.get("Type", "String"), Value=args["Value"])

    def _aws_s3_bucket(self, lid: str, p: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = self._name(lid, p, "BucketName").lower()
        s3.create_bucket(Bucket=name)
        if p.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        if (p.get("VersioningConfiguration") or {}).get("Status"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=p["VersioningConfiguration"])
        self._set(lid, name, Arn=f"arn:aws:s3:::{name}", DomainName=f"{name}.s3.amazonaws.com")

    def _aws_s3_bucketpolicy(self, lid: str, p: dict[str, Any]) -> None:
        self.client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(p["PolicyDocument"]))
        self._set(lid, f"{self.stack.name}-{lid}")

    # ------------------------------------------------------------------ IAM
    def _aws_iam_managedpolicy(self, lid: str, p: dict[str, Any]) -> None:
        name = self._name(lid, p, "ManagedPolicyName")
        arn = self.client("iam").create_policy(PolicyName=name, PolicyDocument=json.dumps(p["PolicyDocument"]),
                                               Description=p.get("Description", ""))["Policy"]["Arn"]
        self._set(lid, arn, PolicyArn=arn)

    def _aws_iam_role(self, lid: str, p: dict[str, Any]) -> None:
        name = self._name(lid, p, "RoleName")
        arn = self._role(name, p.get("AssumeRolePolicyDocument") or LAMBDA_TRUST, p.get("ManagedPolicyArns") or [],
                         {pol["PolicyName"]: pol["PolicyDocument"] for pol in p.get("Policies") or []})
        self._set(lid, name, Arn=arn, RoleId=name)

    def _role(self, name: str, trust: dict[str, Any], managed: list[str], inline: dict[str, Any]) -> str:
        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        for m in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=m)
        for pname, doc in inline.items():
            iam.put_role_policy(RoleName=name, PolicyName=pname, PolicyDocument=json.dumps(doc))
        return arn

    def _sam_role(self, lid: str, policies: Any, trust: dict[str, Any]) -> str:
        """The role SAM makes for a function or state machine (``<LogicalId>Role``) from its Policies."""
        managed: list[str] = []
        inline: dict[str, Any] = {}
        for i, pol in enumerate(_as_list(policies)):
            if isinstance(pol, str):
                managed.append(pol if pol.startswith("arn:") else f"arn:aws:iam::aws:policy/{pol}")
            elif isinstance(pol, dict) and "Statement" in pol:
                inline[f"{lid}RolePolicy{i}"] = {"Version": "2012-10-17", "Statement": pol["Statement"]}
            elif isinstance(pol, dict):
                # A SAM policy template (e.g. SNSPublishMessagePolicy): SAM expands it; listed, not guessed.
                self.d.skipped[f"{lid}Role/{next(iter(pol))}"] = "SAM policy template, not expanded"
        name = f"{self.stack.name}-{lid}Role"
        arn = self._role(name, trust, [m for m in managed if not m.startswith("arn:aws:iam::aws:")], inline)
        self._set(f"{lid}Role", name, Arn=arn, RoleId=name)
        return arn

    # ------------------------------------------------------------------ EventBridge
    def _aws_events_eventbus(self, lid: str, p: dict[str, Any]) -> None:
        args: dict[str, Any] = {"Name": p["Name"]}
        if p.get("Description"):
            args["Description"] = p["Description"]
        arn = self.client("events").create_event_bus(**args)["EventBusArn"]
        self._set(lid, p["Name"], Arn=arn, Name=p["Name"])

    def _aws_events_rule(self, lid: str, p: dict[str, Any]) -> None:
        events = self.client("events")
        bus = str(p.get("EventBusName") or "default").rsplit("/", 1)[-1]
        name = self._name(lid, p, "Name")
        state = str(p.get("State", "ENABLED"))
        args: dict[str, Any] = {"Name": name, "EventBusName": bus, "Description": p.get("Description", "")}
        if "EventPattern" in p:
            args["EventPattern"] = json.dumps(p["EventPattern"])
        if "ScheduleExpression" in p:
            args["ScheduleExpression"] = p["ScheduleExpression"]
        # moto knows ENABLED/DISABLED only; the CloudTrail read-only opt-in is kept on the Rule (see delivery).
        args["State"] = "DISABLED" if state == "DISABLED" else "ENABLED"
        arn = events.put_rule(**args)["RuleArn"]
        targets = [self._target(t) for t in p.get("Targets") or []]
        if p.get("Targets"):
            events.put_targets(Rule=name, EventBusName=bus, Targets=[_api_target(t) for t in p["Targets"]])
        self._set(lid, name, Arn=arn)
        if "EventPattern" in p:
            self.d.rules.append(Rule(lid, name, bus, p["EventPattern"], state, targets))

    def _target(self, t: dict[str, Any]) -> Target:
        arn = str(t["Arn"])
        lid = next((x for x, a in self.stack.attrs.items() if arn in (a.get("Arn"), self.stack.refs.get(x))), None)
        kind = ("function" if ":lambda:" in arn else "state-machine" if ":states:" in arn
                else "queue" if ":sqs:" in arn else "other")
        return Target(str(t["Id"]), arn, lid, kind, t.get("Input"), t.get("InputPath"))

    # ------------------------------------------------------------------ Lambda
    def _aws_serverless_function(self, lid: str, p: dict[str, Any]) -> None:
        code_dir = self.d.root / str(p.get("CodeUri", ""))
        handler = str(p.get("Handler", "app.handler"))
        name = self._name(lid, p, "FunctionName")
        role = p.get("Role") or self._sam_role(lid, p.get("Policies"), LAMBDA_TRUST)
        env = {k: str(v) for k, v in ((p.get("Environment") or {}).get("Variables") or {}).items()}
        fn = self.client("lambda").create_function(
            FunctionName=name, Runtime=str(p.get("Runtime", "python3.12")), Role=role, Handler=handler,
            Code={"ZipFile": _stub_zip(handler)}, Environment={"Variables": env},
            Timeout=int(p.get("Timeout", 3)), MemorySize=int(p.get("MemorySize", 128)),
            Description=str(p.get("Description", ""))[:256],
        )
        self._set(lid, name, Arn=fn["FunctionArn"])
        dlq = (p.get("DeadLetterQueue") or {}).get("TargetArn")
        self.d.functions[lid] = Function(lid, name, fn["FunctionArn"], code_dir, handler, env, dlq)
        for ename, ev in (p.get("Events") or {}).items():
            self._function_event(lid, ename, ev)

    def _function_event(self, lid: str, ename: str, ev: dict[str, Any]) -> None:
        eprops = ev.get("Properties") or {}
        if ev.get("Type") in ("EventBridgeRule", "CloudWatchEvent") and "Pattern" in eprops:
            bus = str(eprops.get("EventBusName") or "default").rsplit("/", 1)[-1]
            fn = self.d.functions[lid]
            state = str(eprops.get("State", "ENABLED"))
            self.d.rules.append(Rule(f"{lid}.{ename}", f"{self.stack.name}-{lid}{ename}", bus, eprops["Pattern"],
                                     state, [Target(ename, fn.arn, lid, "function")]))
        elif ev.get("Type") in ("Api", "HttpApi"):
            auth = (eprops.get("Auth") or {}).get("Authorizer") or self._api_default_auth(eprops.get("RestApiId"))
            self.d.api.append(ApiRoute(lid, str(eprops.get("Method", "ANY")).upper(), str(eprops.get("Path", "/")),
                                       str(auth or "NONE")))

    def _api_default_auth(self, api_id: Any) -> str | None:
        """The DefaultAuthorizer of the function event's API (its RestApiId, or the only API declared)."""
        wanted = api_id.get("Ref") if isinstance(api_id, dict) else None
        for lid, res in self.resources.items():
            if not isinstance(res, dict) or res.get("Type") not in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
                continue
            if wanted in (None, lid):
                auth = ((res.get("Properties") or {}).get("Auth") or {}).get("DefaultAuthorizer")
                if auth:
                    return str(auth)
        return None

    def _record_api_resource(self, lid: str, res: dict[str, Any]) -> None:
        if res.get("Type") == "AWS::ApiGateway::Method":
            p = res.get("Properties") or {}
            self.d.api.append(ApiRoute(lid, str(p.get("HttpMethod", "ANY")), str(p.get("ResourceId", "")),
                                       str(p.get("AuthorizationType", "NONE"))))

    # ------------------------------------------------------------------ CloudWatch Logs
    def _aws_logs_subscriptionfilter(self, lid: str, p: dict[str, Any]) -> None:
        """Recorded, not put: the runtime hands log records to the destination function itself (moto would call
        Lambda, which runs only in Docker)."""
        dest = str(p["DestinationArn"])
        fn = next((f for f in self.d.functions.values() if f.arn == dest), None)
        if fn is None:
            raise TemplateError(f"resource {lid}: destination {dest} is not a function of the template")
        self.d.log_subscriptions[str(p["LogGroupName"])] = fn.logical_id
        self._set(lid, str(p.get("FilterName") or f"{self.stack.name}-{lid}"))

    # ------------------------------------------------------------------ Step Functions
    def _aws_serverless_statemachine(self, lid: str, p: dict[str, Any]) -> None:
        if "DefinitionUri" in p:
            text = (self.d.root / str(p["DefinitionUri"])).read_text(encoding="utf-8")
        else:
            text = json.dumps(p["Definition"])
        for key, value in (p.get("DefinitionSubstitutions") or {}).items():
            text = text.replace("${" + key + "}", str(value))
        left = re.findall(r"\$\{(\w+)\}", text)
        if left:
            raise TemplateError(f"resource {lid}: definition placeholders without a substitution: {sorted(set(left))}")
        role = p.get("Role") or self._sam_role(lid, p.get("Policies"), STATES_TRUST)
        name = self._name(lid, p, "Name")
        arn = self.client("stepfunctions").create_state_machine(
            name=name, definition=text, roleArn=role, type=str(p.get("Type", "STANDARD")))["stateMachineArn"]
        self._set(lid, arn, Arn=arn, Name=name)
        self.d.state_machines[lid] = arn

    def _aws_stepfunctions_statemachine(self, lid: str, p: dict[str, Any]) -> None:
        if "DefinitionString" in p:
            p = {**p, "Definition": json.loads(p["DefinitionString"])}
        self._aws_serverless_statemachine(lid, {**p, "Name": p.get("StateMachineName"), "Role": p.get("RoleArn")})


def _with_globals(globals_: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals merge: maps merge (function wins), everything else is replaced by the function's value."""
    out = dict(globals_)
    for k, v in props.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _with_globals(out[k], v)
        else:
            out[k] = v
    return out


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _api_target(t: dict[str, Any]) -> dict[str, Any]:
    keep = ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer", "DeadLetterConfig", "RetryPolicy")
    return {k: t[k] for k in keep if k in t}


def _stub_zip(handler: str) -> bytes:
    """A placeholder package: moto needs code to create a function; invocations run the real handler in process."""
    module = handler.split(".", 1)[0]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{module}.py", "def handler(event, context):\n    raise RuntimeError('runs in process')\n")
    return buf.getvalue()
