"""numerapi without its side effects: no logging.basicConfig, no keys from the environment."""

from __future__ import annotations

import logging

import numerapi.utils
import pytest

from numerbay_desktop.numerai.transport import build_api


def test_no_basic_config_and_no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers.clear()
    monkeypatch.setenv("NUMERAI_PUBLIC_ID", "ENVPUBLIC")
    monkeypatch.setenv("NUMERAI_SECRET_KEY", "ENVSECRET")
    try:
        anonymous = build_api(None, None)
        assert root.handlers == [] and root.level == saved_level
    finally:
        root.handlers[:] = saved_handlers
    assert anonymous.token is None  # never a key the user did not give the app
    keyed = build_api("PUB", "SEC")
    assert keyed.token == ("PUB", "SEC")
    assert keyed.tournament_id == 8


def test_the_shim_is_installed_once_and_passes_other_names_through() -> None:
    build_api(None, None)
    shim = numerapi.utils.requests
    build_api(None, None)
    assert numerapi.utils.requests is shim
    import requests

    assert shim.exceptions is requests.exceptions and shim.get is requests.get
