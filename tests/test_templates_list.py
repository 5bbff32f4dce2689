"""The list of templates holds only publishing templates; check and build use that one list."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.conftest import EXAMPLE_YAML
from yusuan.cli import app
from yusuan.tables.profile import available_profiles, load_profile


def test_every_listed_template_can_be_built_from():
    assert "generic" not in available_profiles() and "henan-2025" in available_profiles()
    for name in available_profiles():
        assert load_profile(name).fund_groups  # what build needs first


def test_check_refuses_the_generic_vocabulary_naming_the_templates(tmp_path):
    ledger = tmp_path / "generic.yaml"
    ledger.write_text(
        EXAMPLE_YAML.read_text(encoding="utf-8").replace("template: henan-2025", "template: generic"), encoding="utf-8"
    )
    for command in ("check", "build"):
        result = CliRunner().invoke(
            app, [command, str(ledger), "-o", str(tmp_path / "out")][: 2 if command == "check" else 4]
        )
        assert result.exit_code == 1, result.output
        assert "未知的模板「generic」" in result.output and "henan-2025" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
