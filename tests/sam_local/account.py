"""Seed moto's server (reached from the host on 127.0.0.1) with what template.yaml declares.

The embedded runtime's deployer (``aidr_cli.embedded.account.deploy``, the one `aidr demo` uses) creates the
template's tables, bus and rules, topic, queues, buckets, state machines and the SSM config parameter, and resolves
each function's environment; here its clients point at the moto server instead of moto in process. The config
parameter then holds the samples' configuration (tests/integration/samples-config.yaml), and taps (an SQS queue
subscribed to the aidr bus and to the findings topic) let the tests read back what the functions published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import yaml
from aidr_cli.embedded.account import Deployment, deploy
from aidr_cli.template import load_template

from tests.conftest import ROOT
from tests.integration.moto_account import SAMPLES_CONFIG, _drain, _queue
from tests.sam_local.harness import FAKE_CREDENTIALS

# Parameters that declare every function (approvals and playbooks exist only in the advanced phase, the assessment
# only when scheduled; it covers one region here). Those the template does not have are left out. The Slack
# endpoint exists only with a signing secret, made in moto before the deploy.
PARAMETERS = {"MaturityPhase": "advanced", "EnableScheduledAssessment": "true", "AssessmentRegions": "us-east-1"}
SLACK_SIGNING_SECRET = "sam-local-slack-signing-secret"
# Who may decide the approval samples' requests (the approvals samples' account, as in tests/integration/approvals).
APPROVERS = ["arn:aws:iam::111122223333:role/OnCall", "arn:aws:iam::111122223333:role/ml-pipeline",
             "slack:T0AIDR:U0ALICE"]
DELIVERED_SERVICES = {"sqs", "logs", "events"}  # the rule targets moto's server delivers to


@dataclass
class EmulatedAccount:
    """Handles on the seeded moto server, from the host."""

    endpoint: str
    deployment: Deployment
    bus_tap_url: str = ""
    topic_tap_url: str = ""
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            session = boto3.session.Session(
                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
                region_name=FAKE_CREDENTIALS["AWS_REGION"])
            self._clients[service] = session.client(service, endpoint_url=self.endpoint)
        return self._clients[service]

    def function_env(self, function_id: str, container_endpoint: str) -> dict[str, str]:
        """The function's environment as deployed, pointed at ``container_endpoint`` (moto by container name).

        A function the chosen parameters leave out (a false Condition) gets the Globals environment.
        """
        fn = self.deployment.functions.get(function_id)
        env = dict(fn.env if fn else self.deployment.env())
        env = {k: v.replace(self.endpoint, container_endpoint) for k, v in env.items()}  # queue URLs
        return {**env, "AWS_ENDPOINT_URL": container_endpoint}

    def bus_events(self) -> list[dict[str, Any]]:
        """Events put on the aidr bus since the last call (as EventBridge hands them to a target)."""
        return _drain(self.client("sqs"), self.bus_tap_url)

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the findings topic since the last call (parsed SNS ``Message``)."""
        return [json.loads(m["Message"]) for m in _drain(self.client("sqs"), self.topic_tap_url)]

    def drain(self) -> None:
        self.bus_events()
        self.notifications()


def seed(endpoint: str) -> EmulatedAccount:
    """Deploy template.yaml into the moto server at ``endpoint``; add the taps and the samples' config."""
    account = EmulatedAccount(endpoint, deployment=None)  # type: ignore[arg-type]
    signing = account.client("secretsmanager").create_secret(Name="aidr/slack-signing",
                                                             SecretString=SLACK_SIGNING_SECRET)["ARN"]
    declared = load_template(ROOT / "template.yaml").get("Parameters") or {}
    parameters = {k: v for k, v in {**PARAMETERS, "SlackSigningSecretArn": signing}.items() if k in declared}
    account.deployment = deploy(ROOT / "template.yaml", parameters, clients=account.client)
    d = account.deployment
    sqs, events = account.client("sqs"), account.client("events")
    _detach_undeliverable_targets(events)

    account.bus_tap_url, bus_tap_arn = _queue(sqs, "sam-local-bus-tap")
    bus = d.ref("AidrEventBus")
    events.put_rule(Name="sam-local-tap", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule="sam-local-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": bus_tap_arn}])

    account.topic_tap_url, topic_tap_arn = _queue(sqs, "sam-local-topic-tap")
    account.client("sns").subscribe(TopicArn=d.ref("FindingsTopic"), Protocol="sqs", Endpoint=topic_tap_arn,
                                    Attributes={"RawMessageDelivery": "false"})

    parameter = d.env()["AIDR_CONFIG_PARAMETER"]
    config = yaml.safe_load(SAMPLES_CONFIG.read_text(encoding="utf-8"))
    config.setdefault("approvers", APPROVERS)
    account.client("ssm").put_parameter(Name=parameter, Value=yaml.safe_dump(config), Type="String", Overwrite=True)
    return account


def _detach_undeliverable_targets(events: Any) -> None:
    """Remove the rules' Lambda and Step Functions targets: moto's server cannot deliver to them (PutEvents
    fails with NotImplementedError when a matching rule has one), and here `sam local invoke` runs the functions.
    SQS, log-group and bus targets stay (moto delivers those; the taps are SQS)."""
    for bus in events.list_event_buses()["EventBuses"]:
        for rule in events.list_rules(EventBusName=bus["Name"])["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
            gone = [t["Id"] for t in targets if t["Arn"].split(":")[2] not in DELIVERED_SERVICES]
            if gone:
                events.remove_targets(Rule=rule["Name"], EventBusName=bus["Name"], Ids=gone)
