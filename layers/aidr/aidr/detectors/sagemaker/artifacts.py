"""Where model artifacts and images come from, judged against ``approved_artifact_sources``.

With an allow-list configured, anything outside it is unapproved. Without one, ownership is all we can judge
from a record: an ECR image in an account that is neither the caller's nor a SageMaker-owned registry, or an
image from a registry outside ECR, is suspect; an S3 URI does not reveal its owner, so it is not judged.

Examples
--------
>>> from aidr.config import AidrConfig
>>> judge(Artifact("image", "444455556666.dkr.ecr.us-east-1.amazonaws.com/llm:1", "primaryContainer.image"),
...       "111122223333", AidrConfig()).reason
'foreign-account-registry'
>>> judge(Artifact("image", "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1", "image"),
...       "111122223333", AidrConfig()) is None
True
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from ...config import AidrConfig
from ...findings.model import SEVERITY_ORDER
from .common import items, param, text

ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(.+)$")

# Registries AWS owns for SageMaker images: Deep Learning Containers (763104351884 in most regions, plus the
# opt-in-region accounts) and, for the main commercial regions, the built-in algorithm and framework accounts
# (aws/sagemaker-python-sdk src/sagemaker/image_uri_config/*.json). Other regions: list them in
# approved_artifact_sources.
AWS_IMAGE_ACCOUNTS = frozenset(
    {
        "763104351884", "217643126080", "727897471807", "626614931356",
        # built-in algorithms ("xgboost" 1, linear-learner, ...)
        "811284229777", "825641698319", "632365934929", "433757028032", "685385470294", "813361260812",
        "644912444149", "749696950732", "501404015308", "544295431143", "475088953585", "991648021394",
        # framework containers (sagemaker-xgboost, sagemaker-scikit-learn, ...)
        "683313688378", "257758044811", "746614075791", "246618743249", "141502667606", "492215442770",
        "764974769150", "659782779980", "354813040037", "783357654285", "121021644041", "720646828776",
    }
)


@dataclass(frozen=True)
class Artifact:
    kind: str  # "image" | "model-data" | "model-package"
    location: str
    field: str


@dataclass(frozen=True)
class Verdict:
    artifact: Artifact
    reason: str
    severity: str

    def evidence(self) -> dict[str, str]:
        return {"kind": self.artifact.kind, "location": self.artifact.location[:300], "field": self.artifact.field,
                "reason": self.reason}


def is_approved(location: str, config: AidrConfig) -> bool:
    """True when ``location`` starts with an approved source (or matches one written with ``*``)."""
    return any(location.startswith(s) or fnmatch.fnmatchcase(location, s) for s in config.approved_artifact_sources)


def judge(artifact: Artifact, account: str | None, config: AidrConfig) -> Verdict | None:
    """Why ``artifact`` should not enter the account, or None when it may."""
    if config.approved_artifact_sources:
        return None if is_approved(artifact.location, config) else Verdict(artifact, "not-approved", "high")
    if artifact.kind == "image":
        m = ECR_IMAGE.match(artifact.location)
        if not m:
            return Verdict(artifact, "external-registry", "medium")
        if m.group(1) != account and m.group(1) not in AWS_IMAGE_ACCOUNTS:
            return Verdict(artifact, "foreign-account-registry", "medium")
    elif artifact.kind == "model-package":
        owner = artifact.location.split(":")[4] if artifact.location.count(":") >= 5 else None
        if owner and owner != account:
            # Marketplace packages live in AWS Marketplace seller accounts: worth a look, not an alarm.
            return Verdict(artifact, "foreign-account-model-package", "low")
    return None


def worst(verdicts: list[Verdict]) -> str:
    return max((v.severity for v in verdicts), key=SEVERITY_ORDER.__getitem__)


def _container_artifacts(c: dict[str, Any], where: str) -> list[Artifact]:
    out = []
    image = text(c, "image")
    if image:
        out.append(Artifact("image", image, f"{where}.image"))
    data = text(c, "modelDataUrl") or text(param(param(c, "modelDataSource"), "s3DataSource"), "s3Uri")
    if data:
        out.append(Artifact("model-data", data, f"{where}.modelDataUrl"))
    package = text(c, "modelPackageName")
    if package and package.startswith("arn:"):
        out.append(Artifact("model-package", package, f"{where}.modelPackageName"))
    return out


def inference_component_specs(params: dict[str, Any]) -> list[dict[str, Any]]:
    """``specification`` and, per instance type, ``specifications`` of Create/UpdateInferenceComponent."""
    spec = param(params, "specification")
    return ([spec] if isinstance(spec, dict) else []) + items(params, "specifications")


def sagemaker_artifacts(event_name: str, params: dict[str, Any]) -> list[Artifact]:
    """The images and artifacts a SageMaker create call brings in."""
    out: list[Artifact] = []
    if event_name == "CreateModel":
        primary = param(params, "primaryContainer")
        if isinstance(primary, dict):
            out += _container_artifacts(primary, "primaryContainer")
        for i, c in enumerate(items(params, "containers")):
            out += _container_artifacts(c, f"containers[{i}]")
    elif event_name == "CreateModelPackage":
        for i, c in enumerate(items(param(params, "inferenceSpecification"), "containers")):
            out += _container_artifacts(c, f"inferenceSpecification.containers[{i}]")
    elif event_name == "CreateTrainingJob":
        image = text(param(params, "algorithmSpecification"), "trainingImage")
        if image:
            out.append(Artifact("image", image, "algorithmSpecification.trainingImage"))
    elif event_name in ("CreateInferenceComponent", "UpdateInferenceComponent"):
        # An inference component may bring its own container instead of naming a model.
        for spec in inference_component_specs(params):
            container = param(spec, "container")
            if image := text(container, "image"):
                out.append(Artifact("image", image, "specification.container.image"))
            if data := text(container, "artifactUrl"):
                out.append(Artifact("model-data", data, "specification.container.artifactUrl"))
    elif event_name == "CreateAlgorithm":
        image = text(param(params, "trainingSpecification"), "trainingImage")
        if image:
            out.append(Artifact("image", image, "trainingSpecification.trainingImage"))
    return out
