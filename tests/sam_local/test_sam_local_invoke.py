"""`sam local invoke` of every function on every events/ sample, through the real Lambda runtime (awslambdaric in
a container), against moto's server seeded with what template.yaml declares.

Functions and samples are discovered at run time. Each invoke must succeed with no unhandled error; the table of
``expectations.py`` then checks the output of the functions it names (a function without an entry gets that
generic check only).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sam_local.conftest import SamLocal
from tests.sam_local.expectations import expectation
from tests.sam_local.samples import functions, sample_id, samples

pytestmark = pytest.mark.network
SAMPLES = samples()


def test_every_function_has_a_sample() -> None:
    """contracts.md §7: each function ships events/<LogicalId>/<case>.json for `sam local invoke -e`."""
    missing = [fn for fn in functions() if not any(p.parent.name == fn for p in SAMPLES)]
    assert not missing, f"functions without a sample in events/<LogicalId>/: {missing}"


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_sam_local_invoke(sam_local: SamLocal, path: Path) -> None:
    expected = expectation(path.parent.name)
    if expected and expected.prepare:
        expected.prepare(path, sam_local.account)
    result = sam_local.invoke(path.parent.name, path)
    error_type = expected.errors.get(path.stem) if expected else None
    if error_type:
        assert result.returncode == 0 and isinstance(result.response, dict), result.error
        assert result.response.get("errorType") == error_type, result.response
        return
    assert result.error is None, result.error
    if expected and expected.check:
        expected.check(result, path, sam_local.account)
