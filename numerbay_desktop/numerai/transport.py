"""Running numerapi's `raw_query` safely: our URL, a timeout, and errors it would swallow.

numerapi posts with `requests.post(..., timeout=None)` to the module constant
`numerapi.base_api.API_TOURNAMENT_URL` and turns every transport failure into a silent `{}`.
We replace the `requests` name inside `numerapi.utils` with a shim: a call made through
`run_query` (in a worker thread) goes to that call's URL through a pooled session with our
timeout, and the shim records what happened (status, Retry-After, timeout, refused
connection) so the silent `{}` can become a typed error. Calls made outside `run_query` pass
through to `requests` unchanged. numerapi's constructor calls `logging.basicConfig`; we build
it with a handler already on the root logger so that call does nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import numerapi
import numerapi.utils
import requests

from numerbay_desktop.numerai.errors import (
    NumeraiAuthError,
    NumeraiBadResponse,
    NumeraiError,
    NumeraiQueryError,
    NumeraiRateLimited,
    NumeraiUnavailable,
)

_AUTH_WORDS = re.compile(
    r"authenticat|api key|credential|token|scope|permission|unauthori|forbidden|not allowed",
    re.IGNORECASE,
)
_construct_lock = threading.Lock()
_local = threading.local()


@dataclass
class CallOutcome:
    """What the transport saw during one numerapi call."""

    status: int | None = None
    retry_after: float | None = None
    failure: str | None = None  # "timeout" | "connection"
    error_fields: tuple[str, ...] = ()  # first path element of each GraphQL error


@dataclass
class CallConfig:
    url: str
    timeout: tuple[float, float]
    session: requests.Session
    outcome: CallOutcome


class _RequestsShim:
    """Stands in for the `requests` module inside numerapi.utils."""

    exceptions = requests.exceptions

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        config: CallConfig | None = getattr(_local, "config", None)
        if config is None:
            timeout = kwargs.pop("timeout", None) or 60
            return requests.post(url, timeout=timeout, **kwargs)
        kwargs["timeout"] = config.timeout
        try:
            response = config.session.post(config.url, **kwargs)
        except requests.exceptions.Timeout:
            config.outcome.failure = "timeout"
            raise
        except requests.exceptions.ConnectionError:
            config.outcome.failure = "connection"
            raise
        config.outcome.status = response.status_code
        config.outcome.retry_after = _seconds(response.headers.get("Retry-After"))
        if b'"errors"' in response.content:
            config.outcome.error_fields = _error_fields(response)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)


def _error_fields(response: requests.Response) -> tuple[str, ...]:
    """Which aliases failed, so a batch can drop them instead of failing whole."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return ()
    fields = []
    for error in errors if isinstance(errors, list) else []:
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and path and isinstance(path[0], str):
            fields.append(path[0])
    return tuple(fields)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def install_shim() -> None:
    utils: Any = numerapi.utils
    if not isinstance(utils.requests, _RequestsShim):
        utils.requests = _RequestsShim()


def build_api(public_id: str | None, secret: str | None) -> numerapi.NumerAPI:
    """A NumerAPI without its logging.basicConfig side effect and without env-var keys."""
    install_shim()
    # Its failures become our typed errors; its own ERROR lines would only repeat them.
    logging.getLogger("numerapi").setLevel(logging.CRITICAL)
    root = logging.getLogger()
    with _construct_lock:
        guard = logging.NullHandler()
        added = not root.handlers
        if added:
            root.addHandler(guard)  # basicConfig does nothing when root has a handler
        try:
            api = numerapi.NumerAPI(  # type: ignore[no-untyped-call]
                verbosity="warning", show_progress_bars=False
            )
        finally:
            if added:
                root.removeHandler(guard)
    # Only the key the caller gave, never one from the environment or a .env file.
    api.token = (public_id, secret) if public_id and secret else None  # type: ignore[assignment]
    return api


def run_query(
    api: numerapi.NumerAPI,
    session: requests.Session,
    url: str,
    query: str,
    variables: dict[str, Any] | None,
    *,
    auth: bool,
    timeout: float,
) -> dict[str, Any]:
    """One GraphQL request through numerapi; returns `data` or raises a NumeraiError."""
    outcome = CallOutcome()
    _local.config = CallConfig(url, (min(timeout, 10.0), timeout), session, outcome)
    try:
        result = api.raw_query(query, variables, authorization=auth, retries=1, delay=0, backoff=1)
    except ValueError as error:
        message = str(error)
        for secret in api.token or ():  # a server that echoes the key must not show it
            message = message.replace(secret, "***") if secret else message
        raise _query_error(message, outcome) from None
    finally:
        _local.config = None
    if not result:
        raise _silent_failure(outcome)
    data = result.get("data") if isinstance(result, dict) else None
    if not isinstance(data, dict):
        raise NumeraiBadResponse("Numerai's API answered without data.")
    return data


def _query_error(message: str, outcome: CallOutcome) -> NumeraiError:
    if message == "API keys required for this action.":
        return NumeraiAuthError("This needs a Numerai API key: add one in the settings.")
    shown = " ".join(message.split())[:240].rstrip(".") or "no reason given"
    if _AUTH_WORDS.search(message) or outcome.status in (401, 403):
        return NumeraiAuthError(f"Numerai refused the API key: {shown}.")
    return NumeraiQueryError(f"Numerai refused the request: {shown}.", outcome.error_fields)


def _silent_failure(outcome: CallOutcome) -> NumeraiError:
    if outcome.failure == "timeout":
        return NumeraiUnavailable("Numerai's API did not answer in time; try again later.")
    if outcome.failure == "connection":
        return NumeraiUnavailable("Numerai's API cannot be reached; check the connection.")
    status = outcome.status
    if status == 429:
        wait = f" Try again in {outcome.retry_after:g} s." if outcome.retry_after else ""
        return NumeraiRateLimited(
            f"Numerai's API asks us to slow down.{wait}", outcome.retry_after
        )
    if status in (401, 403):
        return NumeraiAuthError("Numerai refused the API key (check its id, secret and scopes).")
    if status is not None and status >= 500:
        return NumeraiUnavailable(f"Numerai's API has a problem (HTTP {status}); try again later.")
    if status is not None and status >= 400:
        return NumeraiBadResponse(f"Numerai's API rejected the request (HTTP {status}).")
    if status is None:
        return NumeraiUnavailable("Numerai's API cannot be reached; check the connection.")
    return NumeraiBadResponse("Numerai's API answered with something that is not JSON.")
