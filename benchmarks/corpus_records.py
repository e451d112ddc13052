"""Realistic CloudTrail records for the replay benchmark: an account's background traffic, a little Bedrock.

Shapes follow what CloudTrail writes to S3 (userIdentity with sessionContext, tlsDetails, requestParameters,
resources, data-event fields), so records weigh what real ones do (about 1-2 KB). Every value comes from the
caller's seeded :class:`random.Random`: the same seed gives the same corpus, byte for byte.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ACCOUNT = "111122223333"
Record = dict[str, Any]


@dataclass(frozen=True)
class Actor:
    """A principal that makes calls: an assumed role (apps, pipelines) or an IAM user."""

    name: str
    kind: str  # "role" | "user"
    ip: str
    user_agent: str
    key_id: str

    def identity(self, session: str = "") -> dict[str, Any]:
        if self.kind == "user":
            return {
                "type": "IAMUser",
                "principalId": "AIDA" + self.key_id[4:],
                "arn": f"arn:aws:iam::{ACCOUNT}:user/{self.name}",
                "accountId": ACCOUNT,
                "accessKeyId": self.key_id,
                "userName": self.name,
            }
        role_id = "AROA" + self.key_id[4:]
        session = session or self.name
        return {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.name}/{session}",
            "accountId": ACCOUNT,
            "accessKeyId": self.key_id,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{ACCOUNT}:role/{self.name}",
                    "accountId": ACCOUNT,
                    "userName": self.name,
                },
                "attributes": {"creationDate": "2026-03-01T00:00:00Z", "mfaAuthenticated": "false"},
            },
        }


_BOTO = ("Boto3/1.35.40 md/Botocore#1.35.40 ua/2.0 os/linux#5.10.227-219.884.amzn2.x86_64 md/arch#x86_64 "
         "lang/python#3.12.7")
_JAVA = "aws-sdk-java/2.28.16 Linux/5.10.227-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5"
_GO = "aws-sdk-go-v2/1.32.2 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.187.0"

# Background principals (NAT egress addresses from RFC 5737), the Bedrock apps, and the attacker's stolen key.
WEB = Actor("web-backend", "role", "203.0.113.10", _JAVA, "ASIAEXAMPLEWEBBACK01")
PIPELINE = Actor("data-pipeline", "role", "203.0.113.11", _BOTO, "ASIAEXAMPLEPIPELINE1")
CI = Actor("ci-deployer", "role", "203.0.113.12", _GO, "ASIAEXAMPLECIDEPLOY1")
MONITOR = Actor("monitoring-agent", "role", "203.0.113.13", _GO, "ASIAEXAMPLEMONITOR01")
OPS = Actor("ops-admin", "user", "192.0.2.40", _BOTO, "AKIAEXAMPLEOPSADMIN1")
BACKGROUND_ACTORS = (WEB, WEB, WEB, PIPELINE, PIPELINE, CI, MONITOR, OPS)
BEDROCK_APPS = (
    Actor("chat-app", "role", "203.0.113.20", _BOTO, "ASIAEXAMPLECHATAPP01"),
    Actor("rag-indexer", "role", "203.0.113.21", _BOTO, "ASIAEXAMPLERAGINDEX1"),
    Actor("summarizer", "role", "203.0.113.22", _JAVA, "ASIAEXAMPLESUMMARIZ1"),
)
ATTACKER = Actor("svc-reporting", "user", "198.51.100.23", "python-requests/2.32.3", "AKIAEXAMPLESVCREPORT")

BUCKETS = ("acme-web-assets", "acme-app-uploads", "acme-datalake-raw", "acme-training-data", "acme-kb-documents")
TABLES = ("sessions", "orders", "feature-flags", "rag-chunks")
FUNCTIONS = ("thumbnailer", "order-events", "kb-sync", "auth-authorizer")
MODELS = (
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.titan-embed-text-v2:0",
    "us.anthropic.claude-3-5-haiku-20241022-v1:0",
)
_CIPHERS = ("TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}X}"


def base(
    rng: random.Random, when: str, region: str, service: str, name: str, actor: Actor, *,
    read_only: bool, data_event: bool = False, host: str | None = None,
) -> Record:
    """The fields every API-call record has, in CloudTrail's order."""
    return {
        "eventVersion": "1.10" if data_event else "1.09",
        "userIdentity": actor.identity(),
        "eventTime": when,
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": actor.ip,
        "userAgent": actor.user_agent,
        "requestParameters": None,
        "responseElements": None,
        "requestID": _uuid(rng),
        "eventID": _uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": not data_event,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if data_event else "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": rng.choice(_CIPHERS),
            "clientProvidedHostHeader": host or f"{service}.{region}.amazonaws.com",
        },
    }


def _pick(rng: random.Random, actors: tuple[Actor, ...] = BACKGROUND_ACTORS) -> Actor:
    return rng.choice(actors)


def s3_object(name: str, read_only: bool) -> Builder:
    def build(rng: random.Random, when: str, region: str) -> Record:
        bucket = rng.choice(BUCKETS)
        folder = rng.choice(("uploads", "exports", "thumbs", "raw/2026/03"))
        key = f"{folder}/{_uuid(rng)}.{rng.choice(('json', 'jpg', 'parquet'))}"
        host = f"{bucket}.s3.{region}.amazonaws.com"
        r = base(rng, when, region, "s3", name, _pick(rng), read_only=read_only, data_event=True, host=host)
        r["requestID"] = _hex(rng, 16)
        r["requestParameters"] = {"bucketName": bucket, "Host": host, "key": key}
        if name == "PutObject":
            r["requestParameters"]["x-amz-server-side-encryption"] = "aws:kms"
            r["responseElements"] = {"x-amz-server-side-encryption": "aws:kms",
                                     "x-amz-server-side-encryption-aws-kms-key-id": _kms_arn(region)}
        r["additionalEventData"] = {
            "SignatureVersion": "SigV4",
            "CipherSuite": r["tlsDetails"]["cipherSuite"],
            "bytesTransferredIn": rng.randint(1, 900_000) if name == "PutObject" else 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": _hex(rng, 76),
            "bytesTransferredOut": 0 if name == "PutObject" else rng.randint(200, 4_000_000),
        }
        r["resources"] = [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
            {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
        ]
        return r

    return build


def s3_list(rng: random.Random, when: str, region: str) -> Record:
    r = s3_object("ListObjects", True)(rng, when, region)
    r["requestParameters"] = {"bucketName": r["requestParameters"]["bucketName"], "Host": r["tlsDetails"]
                              ["clientProvidedHostHeader"], "list-type": "2", "prefix": "exports/", "max-keys": "1000"}
    r["resources"] = r["resources"][1:]
    return r


def _kms_arn(region: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/0b3c6a5e-7d1f-4c2a-9e8b-1f2d3c4b5a69"


def kms(name: str) -> Builder:
    def build(rng: random.Random, when: str, region: str) -> Record:
        # Most Decrypt calls are made by S3 or Lambda on a principal's behalf.
        r = base(rng, when, region, "kms", name, _pick(rng), read_only=True)
        svc = rng.choice(("s3.amazonaws.com", "lambda.amazonaws.com"))
        r["userIdentity"]["invokedBy"] = svc
        r["sourceIPAddress"] = r["userAgent"] = svc
        bucket = rng.choice(BUCKETS)
        r["requestParameters"] = {
            "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{bucket}/{_uuid(rng)}"},
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        }
        if name == "GenerateDataKey":
            r["requestParameters"].update(keyId=_kms_arn(region), keySpec="AES_256")
        r["resources"] = [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": _kms_arn(region)}]
        r.pop("tlsDetails")  # service-to-service calls carry none
        return r

    return build


def sts_assume_role(rng: random.Random, when: str, region: str) -> Record:
    target = rng.choice(BEDROCK_APPS + BACKGROUND_ACTORS[:4])
    r = base(rng, when, region, "sts", "AssumeRole", _pick(rng), read_only=True)
    session = f"{target.name}-{rng.randint(1000, 9999)}"
    r["requestParameters"] = {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{target.name}", "roleSessionName": session,
                              "durationSeconds": 3600}
    r["responseElements"] = {
        "credentials": {"accessKeyId": "ASIA" + _hex(rng, 16), "sessionToken": _hex(rng, 320),
                        "expiration": "Mar 1, 2026, 1:00:00 PM"},
        "assumedRoleUser": {"assumedRoleId": f"AROA{_hex(rng, 17)}:{session}",
                            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{target.name}/{session}"},
    }
    r["resources"] = [{"accountId": ACCOUNT, "type": "AWS::IAM::Role",
                       "ARN": f"arn:aws:iam::{ACCOUNT}:role/{target.name}"}]
    r["sharedEventID"] = _uuid(rng)
    return r


def simple(service: str, name: str, params: dict[str, Any] | None, read_only: bool = True,
           data_event: bool = False, global_region: bool = False) -> Builder:
    """A call whose request parameters do not vary (Describe*, List*, GetCallerIdentity...)."""

    def build(rng: random.Random, when: str, region: str) -> Record:
        region = "us-east-1" if global_region else region
        host = f"{service}.amazonaws.com" if global_region else None
        r = base(rng, when, region, service, name, _pick(rng), read_only=read_only, data_event=data_event, host=host)
        r["requestParameters"] = dict(params) if params is not None else None
        return r

    return build


def lambda_invoke(rng: random.Random, when: str, region: str) -> Record:
    fn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{rng.choice(FUNCTIONS)}"
    r = base(rng, when, region, "lambda", "Invoke", _pick(rng), read_only=False, data_event=True)
    r["requestParameters"] = {"functionName": fn, "invocationType": "RequestResponse"}
    r["additionalEventData"] = {"functionVersion": fn + ":$LATEST"}
    r["resources"] = [{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": fn}]
    return r


def dynamodb(name: str, read_only: bool) -> Builder:
    def build(rng: random.Random, when: str, region: str) -> Record:
        table = rng.choice(TABLES)
        r = base(rng, when, region, "dynamodb", name, _pick(rng), read_only=read_only, data_event=True)
        r["requestParameters"] = {"tableName": table, "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS",
                                                              "sk": "HIDDEN_DUE_TO_SECURITY_REASONS"},
                                  "consistentRead": False}
        if name == "Query":
            r["requestParameters"] = {"tableName": table, "keyConditionExpression": "pk = :pk",
                                      "expressionAttributeValues": "HIDDEN_DUE_TO_SECURITY_REASONS", "limit": 50}
        r["resources"] = [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table",
                           "ARN": f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"}]
        return r

    return build


def logs_create_stream(rng: random.Random, when: str, region: str) -> Record:
    r = base(rng, when, region, "logs", "CreateLogStream", _pick(rng), read_only=False)
    fn = rng.choice(FUNCTIONS)
    r["requestParameters"] = {"logGroupName": f"/aws/lambda/{fn}",
                              "logStreamName": f"2026/03/01/[$LATEST]{_hex(rng, 32).lower()}"}
    return r


def bedrock(name: str) -> Builder:
    """Runtime calls from the apps that legitimately use Bedrock."""

    def build(rng: random.Random, when: str, region: str) -> Record:
        app = rng.choice(BEDROCK_APPS)
        model = MODELS[2] if app.name == "rag-indexer" else rng.choice(MODELS)
        r = base(rng, when, region, "bedrock", name, app, read_only=True,
                 host=f"bedrock-runtime.{region}.amazonaws.com")
        r["requestParameters"] = {"modelId": model} if "Model" in name or "Converse" in name else None
        r["additionalEventData"] = {"inferenceRegion": region} if name.startswith(("Invoke", "Converse")) else None
        return r

    return build


Builder = Callable[[random.Random, str, str], Record]

# Relative frequencies of a mostly non-AI account (data events on for S3, Lambda and DynamoDB).
BACKGROUND: tuple[tuple[float, Builder], ...] = (
    (20, s3_object("GetObject", True)), (5, s3_object("PutObject", False)), (5, s3_object("HeadObject", True)),
    (3, s3_list),
    (10, kms("Decrypt")), (4, kms("GenerateDataKey")),
    (8, sts_assume_role), (2, simple("sts", "GetCallerIdentity", None, global_region=True)),
    (5, simple("ec2", "DescribeInstances", {"instancesSet": {}, "filterSet": {}})),
    (2, simple("ec2", "DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}})),
    (2, simple("ec2", "DescribeVolumes", {"volumeSet": {}, "filterSet": {}})),
    (1.5, simple("iam", "ListRoles", {"maxItems": 100}, global_region=True)),
    (1.5, simple("iam", "GetRole", {"roleName": "web-backend"}, global_region=True)),
    (1, simple("iam", "ListPolicies", {"scope": "Local", "onlyAttached": False}, global_region=True)),
    (5, lambda_invoke), (1, simple("lambda", "GetFunction", {"functionName": "thumbnailer"})),
    (4, dynamodb("GetItem", True)), (2, dynamodb("PutItem", False)), (3, dynamodb("Query", True)),
    (2, logs_create_stream), (1, simple("logs", "DescribeLogGroups", {"limit": 50})),
    (1, simple("secretsmanager", "GetSecretValue", {"secretId": "prod/web/db"})),
    (1, simple("monitoring", "GetMetricData", {"startTime": "Mar 1, 2026, 12:00:00 AM", "maxDatapoints": 1440})),
    (1, simple("ssm", "GetParameter", {"name": "/prod/web/feature-flags", "withDecryption": False})),
    # Bedrock runtime traffic: about 2 % of the account's calls.
    (0.9, bedrock("InvokeModel")), (0.6, bedrock("Converse")), (0.3, bedrock("InvokeModelWithResponseStream")),
    (0.2, bedrock("ConverseStream")), (0.05, bedrock("ListFoundationModels")),
)


def attack(rng: random.Random, when: str, region: str) -> list[Record]:
    """A handful of LLMjacking steps with a stolen long-term key: recon, access, logging off, persistence."""
    out: list[Record] = []

    def call(service: str, name: str, params: dict[str, Any] | None, read_only: bool = False,
             reg: str = region, error: str | None = None) -> None:
        r = base(rng, when, reg, service, name, ATTACKER, read_only=read_only)
        r["requestParameters"] = params
        if error:
            r["errorCode"], r["errorMessage"] = error, "The provided model identifier is invalid."
        out.append(r)

    call("sts", "GetCallerIdentity", None, True)
    for reg in ("us-east-1", "us-west-2", "eu-west-1"):
        call("bedrock", "ListFoundationModels", None, True, reg=reg)
    call("bedrock", "GetModelInvocationLoggingConfiguration", None, True)
    call("bedrock", "GetFoundationModelAvailability", {"modelId": MODELS[0]}, True)
    call("bedrock", "InvokeModel", {"modelId": "anthropic.claude-v2"}, error="ValidationException")
    call("bedrock", "DeleteModelInvocationLoggingConfiguration", None)
    call("cloudtrail", "StopLogging", {"name": f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/org-trail"})
    call("iam", "CreateAccessKey", {"userName": ATTACKER.name}, reg="us-east-1")
    call("iam", "AttachUserPolicy", {"userName": ATTACKER.name,
                                     "policyArn": "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"}, reg="us-east-1")
    for model in MODELS[:2]:
        call("bedrock", "InvokeModel", {"modelId": model}, True)
    return out
