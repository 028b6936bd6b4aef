"""The native bundle's single program picks the window or the CLI by the name it was started as."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ENTRY = Path(__file__).resolve().parents[2] / "packaging" / "bundle_entry.py"


def load_entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_entry", ENTRY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("argv0", "cli"),
    [
        ("numerbay", True),
        ("/opt/numerbay-desktop/numerbay", True),
        ("./numerbay", True),
        ("NUMERBAY.EXE", True),
        ("numerbay.exe", True),
        ("numerbay-desktop", False),
        ("/opt/numerbay-desktop/numerbay-desktop", False),
        ("numerbay-desktop.exe", False),
        ("", False),
    ],
)
def test_started_as_cli_follows_the_program_name(argv0: str, cli: bool) -> None:
    assert load_entry().started_as_cli(argv0) is cli


def test_the_cli_name_prints_the_commands_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["/somewhere/numerbay", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        load_entry().main()
    assert exit_info.value.code == 0
    assert "usage: numerbay" in capsys.readouterr().out
