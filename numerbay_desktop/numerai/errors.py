"""What can go wrong talking to Numerai, as errors a user can act on (never with the API key)."""

from __future__ import annotations

from numerbay_desktop.core.errors import NumerbayError


class NumeraiError(NumerbayError):
    """Root of the Numerai API errors."""


class NumeraiUnavailable(NumeraiError):
    """The API could not be reached, did not answer in time, or answered with a server error."""


class NumeraiAuthError(NumeraiError):
    """The API key is missing, wrong, or lacks the scope the action needs."""


class NumeraiRateLimited(NumeraiError):
    """Numerai asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NumeraiBadResponse(NumeraiError):
    """The API answered with something that is not the data the app asked for."""


class NumeraiQueryError(NumeraiError):
    """Numerai understood the request and refused it (an unknown model, a closed round ...)."""

    def __init__(self, message: str, failed_fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        # Top-level fields (aliases) the errors point at, when the response said so.
        self.failed_fields = failed_fields
