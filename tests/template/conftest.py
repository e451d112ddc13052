"""The template under test, parsed once (with the same loader `aidr replay` uses)."""

from __future__ import annotations

from typing import Any

import pytest
from aidr_cli.template import default_template_path, load_template


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(default_template_path())
