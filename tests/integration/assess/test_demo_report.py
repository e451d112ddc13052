"""``aidr assess --demo``: the contract JSON with every layer x phase cell and each seeded gap, and the other
formats from the same run: Markdown, self-contained HTML (rendered in headless Chromium when installed), OCSF
Compliance Findings, and ASFF that Security Hub (moto) imports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aidr.assess.model import LAYERS, PHASES, STATUSES
from aidr.assess.registry import all_checks
from aidr.assess.render import render
from aidr.assess.render.asff import to_asff
from aidr.assess.render.ocsf import to_ocsf
from aidr_cli import assess_demo
from aidr_cli.main import main


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    """Run the real CLI once; keep its JSON document and the Assessment behind it."""
    seen: list[Any] = []
    original = assess_demo.run_demo_assessment

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append(original(*args, **kw))
        return seen[-1]
    out = tmp_path_factory.mktemp("assess") / "demo.json"
    mp = pytest.MonkeyPatch()
    mp.setattr(assess_demo, "run_demo_assessment", spy)
    try:
        assert main(["assess", "--demo", "--format", "json", "--output", str(out), "--no-progress"]) == 0
    finally:
        mp.undo()
    return json.loads(out.read_text()), seen[0]


def test_json_follows_the_contract(demo_run) -> None:  # type: ignore[no-untyped-def]
    doc, _ = demo_run
    assert set(doc) == {"account", "regions", "generated_at", "checks", "phase_reached", "roadmap"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", doc["generated_at"])
    assert doc["regions"] == assess_demo.REGIONS and doc["account"] == assess_demo.ACCOUNT
    for c in doc["checks"]:
        assert set(c) == {"id", "title", "layer", "phase", "severity", "status", "resource", "reason", "references",
                          "region"}  # region: an extension, tells apart a region-wide check's results
        assert c["status"] in STATUSES and c["layer"] in LAYERS and c["phase"] in PHASES
    assert set(doc["phase_reached"]) == set(LAYERS)
    assert [r["priority"] for r in doc["roadmap"]] == list(range(1, len(doc["roadmap"]) + 1))
    assert {c["id"] for c in doc["checks"]} == {c.meta.id for c in all_checks()}


def test_every_layer_and_phase_cell_is_reported(demo_run) -> None:  # type: ignore[no-untyped-def]
    doc, _ = demo_run
    cells = {(c["layer"], c["phase"]) for c in doc["checks"] if c["status"] != "COULD_NOT_ASSESS"}
    assert cells == {(layer, phase) for layer in LAYERS for phase in PHASES}


def test_finds_exactly_the_seeded_gaps(demo_run) -> None:  # type: ignore[no-untyped-def]
    doc, _ = demo_run
    assert {c["id"] for c in doc["checks"] if c["status"] == "FAIL"} == assess_demo.SEEDED_GAPS
    assert not [c for c in doc["checks"] if c["status"] == "COULD_NOT_ASSESS"]
    assert {r["check"] for r in doc["roadmap"]} == assess_demo.SEEDED_GAPS
    # The idle region is not applicable, never failed.
    assert any(c["status"] == "NOT_APPLICABLE" and "us-west-2" in c["reason"] for c in doc["checks"])


def test_roadmap_starts_with_the_next_phase(demo_run) -> None:  # type: ignore[no-untyped-def]
    doc, _ = demo_run
    first = doc["roadmap"][0]
    check = next(c for c in doc["checks"] if c["id"] == first["check"])
    assert doc["phase_reached"][check["layer"]] == "none" and check["phase"] == "foundational"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_with_heat_map_and_roadmap(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, assessment = demo_run
    page = render(assessment, "html")
    p = _Page()
    p.feed(page)
    assert not [a for _, a in p.tags if any(k in a for k in ("src",))], "no external assets"
    assert not [a for t, a in p.tags if t == "link"], "no stylesheets to fetch"
    ids = {a.get("id") for _, a in p.tags}
    assert {"phase-reached", "heat-map", "roadmap", "checks"} <= ids
    cells = [a for t, a in p.tags if t == "td" and "data-phase" in a]
    assert len(cells) == len(LAYERS) * len(PHASES)
    assert "gaps" in page and "not applicable" in page


def test_html_renders_in_headless_chromium(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no headless browser: install the Debian package 'chromium' to render the HTML report")
    _, assessment = demo_run
    page = tmp_path / "report.html"
    page.write_text(render(assessment, "html"))
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert 'id="heat-map"' in dom and 'id="roadmap"' in dom and "AI security assessment" in dom


def test_markdown_has_heat_map_and_roadmap(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, assessment = demo_run
    md = render(assessment, "md")
    assert "## Heat map" in md and "## Roadmap" in md
    assert md.count("\n| infrastructure |") == 2  # phase-reached row and heat-map row


def test_ocsf_compliance_findings(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, assessment = demo_run
    docs = to_ocsf(assessment)
    assert len(docs) == len(assessment.entries)
    for d in docs:
        assert (d["class_uid"], d["category_uid"], d["type_uid"]) == (2003, 2, 200301)
        for key in ("activity_id", "severity_id", "time", "metadata", "finding_info", "compliance", "cloud"):
            assert key in d
        assert d["compliance"]["standards"] and d["compliance"]["status_id"] in (0, 1, 3, 99)
    assert len({d["metadata"]["uid"] for d in docs}) == len(docs)


def test_asff_imports_into_security_hub(demo_run) -> None:  # type: ignore[no-untyped-def]
    import boto3

    _, assessment = demo_run
    docs = to_asff(assessment)
    assert {d["Compliance"]["Status"] for d in docs} == {"PASSED", "FAILED", "NOT_AVAILABLE"}
    with assess_demo.emulated_session(managed_policies=False):
        hub = boto3.client("securityhub", region_name="us-east-1")
        hub.enable_security_hub()
        for region in {d["Resources"][0]["Region"] for d in docs}:
            batch = [d for d in docs if d["Resources"][0]["Region"] == region]
            client = boto3.client("securityhub", region_name=region)
            for i in range(0, len(batch), 100):  # BatchImportFindings takes at most 100
                resp = client.batch_import_findings(Findings=batch[i:i + 100])
                assert resp["FailedCount"] == 0, resp["FailedFindings"]
        found = hub.get_findings(Filters={"GeneratorId": [{"Value": "aidr-assess/", "Comparison": "PREFIX"}]})
        assert found["Findings"]
