"""SageMaker: notebooks (internet, root, VPC, KMS), models and endpoints (isolation, VPC, KMS, data capture,
redundancy), training jobs (encryption, isolation, VPC; newest ``lookback`` only) and Studio domains."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..collect import domains, endpoint_configs, models, notebooks, training_jobs
from ..context import AssessContext
from ..model import Result
from ..registry import check
from ._common import evaluate

NB = ("sagemaker:ListNotebookInstances", "sagemaker:DescribeNotebookInstance")
TJ = ("sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob")
MODEL = ("sagemaker:ListModels", "sagemaker:DescribeModel")
EPC = ("sagemaker:ListEndpointConfigs", "sagemaker:DescribeEndpointConfig")
DOM = ("sagemaker:ListDomains", "sagemaker:DescribeDomain")
# Instance families whose local NVMe instance store holds the training volume: SageMaker encrypts it in hardware and
# refuses VolumeKmsKeyId for them (ResourceConfig.VolumeKmsKeyId, "Instance Store Volumes"). EC2 marks most such
# families with a "d" attribute (ml.g4dn, ml.p3dn, ml.p4d, ml.p4de, ml.r5d); these have NVMe without one.
LOCAL_NVME_FAMILIES = frozenset({"g5", "g6", "g6e", "p5", "p5e", "p5en", "p6-b200", "trn1", "trn1n", "trn2"})
_D_ATTRIBUTE = re.compile(r"[a-z]+\d+[a-z]*d[a-z]*")
# Serverless Inference supports no data capture, VPC configuration or network isolation (SageMaker developer guide,
# "Deploy models with Amazon SageMaker Serverless Inference", feature exclusions).
SERVERLESS = "serverless inference supports no {}"


def _nb(n: dict[str, Any]) -> str:
    return str(n.get("NotebookInstanceArn") or n.get("NotebookInstanceName"))


def _tj(j: dict[str, Any]) -> str:
    return str(j.get("TrainingJobArn") or j.get("TrainingJobName"))


def _m(m: dict[str, Any]) -> str:
    return str(m.get("ModelArn") or m.get("ModelName"))


def _epc(e: dict[str, Any]) -> str:
    return str(e.get("EndpointConfigArn") or e.get("EndpointConfigName"))


def _dom(d: dict[str, Any]) -> str:
    return str(d.get("DomainArn") or d.get("DomainId"))


def _jobs(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    return training_jobs(ctx, region)


def local_instance_storage(instance_type: str | None) -> bool:
    """Whether ``instance_type`` (``ml.<family>.<size>``) keeps its volume on local NVMe instance storage.

    Examples
    --------
    >>> [local_instance_storage(t) for t in ("ml.p4d.24xlarge", "ml.g5.xlarge", "ml.m5.xlarge", "ml.c5.2xlarge")]
    [True, True, False, False]
    """
    family = str(instance_type or "").split(".")[1:2]
    return bool(family) and (family[0] in LOCAL_NVME_FAMILIES or bool(_D_ATTRIBUTE.fullmatch(family[0])))


def _serverless(e: dict[str, Any]) -> bool:
    return any(v.get("ServerlessConfig") for v in e.get("ProductionVariants") or [])


def _serverless_models(ctx: AssessContext, region: str) -> set[str]:
    """Models served by a serverless variant of some endpoint configuration."""
    return {str(v.get("ModelName")) for e in endpoint_configs(ctx, region) for v in e.get("ProductionVariants") or []
            if v.get("ServerlessConfig")}


def _model_skip(ctx: AssessContext, region: str, what: str) -> Any:
    serverless = _serverless_models(ctx, region) if models(ctx, region) else set()
    return lambda m: SERVERLESS.format(what) if m.get("ModelName") in serverless else None


@check(id="sagemaker.notebook_direct_internet", title="Notebook instances have no direct internet access",
       layer="infrastructure", phase="foundational", severity="high", api_calls=NB,
       remediation="Recreate the notebook in a VPC subnet with DirectInternetAccess Disabled (egress through NAT "
                   "or VPC endpoints).",
       references={"securityhub": ["SageMaker.1"], "mitre_atlas": ["AML.T0025"]})
def notebook_direct_internet(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(notebooks(ctx, region), none="no notebook instances", resource=_nb,
                        problem=lambda n: "direct internet access is enabled"
                        if n.get("DirectInternetAccess") != "Disabled" else None,
                        ok="direct internet access disabled", exposure=3)


@check(id="sagemaker.notebook_root_access", title="Notebook instance users have no root access",
       layer="infrastructure", phase="foundational", severity="high", api_calls=NB,
       remediation="Set RootAccess to Disabled on notebook instances (UpdateNotebookInstance while stopped).",
       references={"securityhub": ["SageMaker.3"]})
def notebook_root_access(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(notebooks(ctx, region), none="no notebook instances", resource=_nb,
                        problem=lambda n: "root access is enabled" if n.get("RootAccess") != "Disabled" else None,
                        ok="root access disabled")


@check(id="sagemaker.notebook_in_vpc", title="Notebook instances run in a custom VPC",
       layer="infrastructure", phase="enhanced", severity="high", api_calls=NB,
       remediation="Recreate notebook instances with SubnetId and SecurityGroupIds in your VPC.",
       references={"securityhub": ["SageMaker.2"]})
def notebook_in_vpc(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(notebooks(ctx, region), none="no notebook instances", resource=_nb,
                        problem=lambda n: None if n.get("SubnetId") else "not in a VPC subnet",
                        ok="runs in a VPC subnet")


@check(id="sagemaker.notebook_kms", title="Notebook storage is encrypted with a customer managed KMS key",
       layer="identity-data", phase="enhanced", severity="medium", api_calls=NB,
       remediation="Recreate notebook instances with KmsKeyId set to a customer managed key.",
       references={"securityhub": ["SageMaker.21"], "owasp_llm_2025": ["LLM02"]})
def notebook_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(notebooks(ctx, region), none="no notebook instances", resource=_nb,
                        problem=lambda n: None if n.get("KmsKeyId") else "no customer managed KMS key",
                        ok="customer managed KMS key")


@check(id="sagemaker.model_network_isolation", title="SageMaker models run with network isolation",
       layer="infrastructure", phase="enhanced", severity="medium", api_calls=[*MODEL, *EPC],
       remediation="Recreate models with EnableNetworkIsolation true so containers cannot call out.",
       references={"securityhub": ["SageMaker.5"], "owasp_llm_2025": ["LLM03"], "mitre_atlas": ["AML.T0010"]})
def model_network_isolation(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(models(ctx, region), none="no SageMaker models", resource=_m,
                        problem=lambda m: None if m.get("EnableNetworkIsolation") else "network isolation is off",
                        ok="network isolation enabled", skip=_model_skip(ctx, region, "network isolation"))


@check(id="sagemaker.model_in_vpc", title="SageMaker models run in a VPC",
       layer="infrastructure", phase="advanced", severity="medium", api_calls=[*MODEL, *EPC],
       remediation="Recreate models with VpcConfig (private subnets and security groups).",
       references={"owasp_llm_2025": ["LLM03"]})
def model_in_vpc(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(models(ctx, region), none="no SageMaker models", resource=_m,
                        problem=lambda m: None if (m.get("VpcConfig") or {}).get("Subnets") else "no VpcConfig",
                        ok="runs in a VPC", skip=_model_skip(ctx, region, "VPC configuration"))


@check(id="sagemaker.endpoint_config_kms", title="Endpoint configurations encrypt storage with a KMS key",
       layer="identity-data", phase="enhanced", severity="medium", api_calls=EPC,
       remediation="Create endpoint configurations with KmsKeyId and move endpoints to them.",
       references={"owasp_llm_2025": ["LLM02"]})
def endpoint_config_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(endpoint_configs(ctx, region), none="no endpoint configurations", resource=_epc,
                        problem=lambda e: None if e.get("KmsKeyId") else "no KMS key for the ML storage volume",
                        ok="KMS key set")


@check(id="sagemaker.endpoint_data_capture", title="Endpoints capture inference data for monitoring",
       layer="application", phase="advanced", severity="low", api_calls=EPC,
       remediation="Enable DataCaptureConfig (input and output, to an encrypted bucket) on endpoint configurations "
                   "so abuse and drift can be investigated.",
       references={"owasp_llm_2025": ["LLM10"], "mitre_atlas": ["AML.T0040"]})
def endpoint_data_capture(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(endpoint_configs(ctx, region), none="no endpoint configurations", resource=_epc,
                        problem=lambda e: None if (e.get("DataCaptureConfig") or {}).get("EnableCapture", True)
                        and e.get("DataCaptureConfig") else "data capture is off", ok="data capture on",
                        skip=lambda e: SERVERLESS.format("data capture") if _serverless(e) else None)


@check(id="sagemaker.endpoint_redundancy", title="Endpoint production variants run more than one instance",
       layer="infrastructure", phase="advanced", severity="low", api_calls=EPC,
       remediation="Set InitialInstanceCount above 1 on production variants (instances spread across AZs).",
       references={"securityhub": ["SageMaker.4"], "owasp_llm_2025": ["LLM10"]})
def endpoint_redundancy(ctx: AssessContext, region: str) -> Iterator[Result]:
    def problem(e: dict[str, Any]) -> str | None:
        single = [v.get("VariantName") for v in e.get("ProductionVariants") or []
                  if not v.get("ServerlessConfig") and (v.get("InitialInstanceCount") or 0) < 2]
        return f"single-instance variants: {', '.join(map(str, single))}" if single else None
    yield from evaluate(endpoint_configs(ctx, region), none="no endpoint configurations", resource=_epc,
                        problem=problem, ok="every instance-based variant has 2 or more instances")


@check(id="sagemaker.training_job_kms", title="Training jobs encrypt volumes and output with KMS keys",
       layer="identity-data", phase="enhanced", severity="medium", api_calls=TJ,
       remediation="Set ResourceConfig.VolumeKmsKeyId and OutputDataConfig.KmsKeyId on training jobs (pipelines and "
                   "estimators); instance types with local NVMe storage take no volume key (encrypted in hardware).",
       references={"owasp_llm_2025": ["LLM04"], "mitre_atlas": ["AML.T0020"]})
def training_job_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    def local(j: dict[str, Any]) -> bool:
        return local_instance_storage((j.get("ResourceConfig") or {}).get("InstanceType"))

    def problem(j: dict[str, Any]) -> str | None:
        rc = j.get("ResourceConfig") or {}
        missing = [n for n, v in (("volume", rc.get("VolumeKmsKeyId") or local(j)),
                                  ("output", (j.get("OutputDataConfig") or {}).get("KmsKeyId"))) if not v]
        return f"no KMS key for {' and '.join(missing)}" if missing else None
    def ok(j: dict[str, Any]) -> str:
        if local(j) and not (j.get("ResourceConfig") or {}).get("VolumeKmsKeyId"):
            return "output encrypted with a KMS key; the volume is local NVMe storage, encrypted by the instance"
        return "volume and output encrypted with KMS keys"
    yield from evaluate(_jobs(ctx, region), none="no training jobs", resource=_tj, problem=problem, ok=ok)


@check(id="sagemaker.training_job_network_isolation", title="Training jobs run with network isolation",
       layer="infrastructure", phase="advanced", severity="medium", api_calls=TJ,
       remediation="Set EnableNetworkIsolation on training jobs so training code cannot send data out.",
       references={"owasp_llm_2025": ["LLM03", "LLM04"], "mitre_atlas": ["AML.T0010"]})
def training_job_network_isolation(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(_jobs(ctx, region), none="no training jobs", resource=_tj,
                        problem=lambda j: None if j.get("EnableNetworkIsolation") else "network isolation is off",
                        ok="network isolation enabled")


@check(id="sagemaker.training_job_inter_container_encryption",
       title="Distributed training encrypts traffic between containers",
       layer="infrastructure", phase="advanced", severity="low", api_calls=TJ,
       remediation="Set EnableInterContainerTrafficEncryption on multi-instance training jobs.",
       references={"owasp_llm_2025": ["LLM04"]})
def training_job_inter_container_encryption(ctx: AssessContext, region: str) -> Iterator[Result]:
    multi = [j for j in _jobs(ctx, region) if (j.get("ResourceConfig") or {}).get("InstanceCount", 1) > 1]
    yield from evaluate(multi, none="no multi-instance training jobs", resource=_tj,
                        problem=lambda j: None if j.get("EnableInterContainerTrafficEncryption")
                        else "traffic between training containers is not encrypted", ok="encrypted")


@check(id="sagemaker.training_job_in_vpc", title="Training jobs run in a VPC",
       layer="infrastructure", phase="enhanced", severity="medium", api_calls=TJ,
       remediation="Set VpcConfig on training jobs (private subnets with S3 and ECR endpoints).",
       references={"owasp_llm_2025": ["LLM04"]})
def training_job_in_vpc(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(_jobs(ctx, region), none="no training jobs", resource=_tj,
                        problem=lambda j: None if (j.get("VpcConfig") or {}).get("Subnets") else "no VpcConfig",
                        ok="runs in a VPC")


@check(id="sagemaker.domain_vpc_only", title="SageMaker Studio domains are VPC-only",
       layer="infrastructure", phase="enhanced", severity="high", api_calls=DOM,
       remediation="Create Studio domains with AppNetworkAccessType VpcOnly.",
       references={"mitre_atlas": ["AML.T0025"]})
def domain_vpc_only(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(domains(ctx, region), none="no Studio domains", resource=_dom,
                        problem=lambda d: None if d.get("AppNetworkAccessType") == "VpcOnly"
                        else "apps reach the internet directly (PublicInternetOnly)", ok="VPC only", exposure=3)


@check(id="sagemaker.domain_kms", title="SageMaker Studio domains encrypt storage with a customer managed key",
       layer="identity-data", phase="advanced", severity="low", api_calls=DOM,
       remediation="Create Studio domains with KmsKeyId set to a customer managed key.",
       references={"owasp_llm_2025": ["LLM02"]})
def domain_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(domains(ctx, region), none="no Studio domains", resource=_dom,
                        problem=lambda d: None if d.get("KmsKeyId") else "no customer managed KMS key",
                        ok="customer managed KMS key")
