"""The Numerai API key as a value: `NumeraiApiKey` (checked shapes) holding a `SecretStr`,
and the errors of saving and loading it. No message, repr or str here ever shows the secret.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import NoReturn

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.wallet.keystore import WrongPassword

PUBLIC_ID_PATTERN = re.compile(r"[A-Z0-9]{32}")
SECRET_PATTERN = re.compile(r"[A-Z0-9]{64}")
_MASK = "**********"

# --------------------------------------------------------------------------- errors


class ApiKeyError(NumerbayError):
    """The saved Numerai API key cannot be stored, found or read."""


class ApiKeyNotFound(ApiKeyError):
    """No key is saved under this profile."""


class ApiKeyWrongPassword(WrongPassword):
    """The password does not open the encrypted API key file (also a keystore WrongPassword)."""

    def __init__(self) -> None:
        NumerbayError.__init__(self, "Wrong password for the saved Numerai API key.")


class CorruptApiKeyFile(ApiKeyError):
    """A file under secrets/ is damaged; it is left in place, untouched."""


class KeyringUnavailable(ApiKeyError):
    """The system keyring refused to store, read or delete (locked, or its service is gone)."""


class PasswordRequired(InvalidInput):
    """The encrypted file backend needs a password (of at least 8 characters)."""


# --------------------------------------------------------------------------- the secret


class SecretStr:
    """A secret string that never shows itself: repr/str/format print asterisks.

    `reveal()` is the only way to the value; equality is constant-time; pickling is refused.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("SecretStr holds a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretStr):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]  # a hash would be a fingerprint of the secret

    def __reduce__(self) -> NoReturn:
        raise TypeError("A secret is never pickled.")

    def __len__(self) -> int:
        return len(self._value)


@dataclass(frozen=True, repr=False)
class NumeraiApiKey:
    """A checked Numerai API key: a 32-character public id and a 64-character secret."""

    public_id: str
    secret: SecretStr

    @classmethod
    def parse(cls, public_id: str, secret: str | SecretStr) -> NumeraiApiKey:
        """Check both shapes (surrounding spaces from a paste are dropped); raises InvalidInput
        with a message that never contains the secret."""
        raw_secret = secret.reveal() if isinstance(secret, SecretStr) else secret
        if not isinstance(public_id, str) or not isinstance(raw_secret, str):
            raise InvalidInput("A Numerai API key is a public id and a secret, both text.")
        public_id, raw_secret = public_id.strip(), raw_secret.strip()
        if SECRET_PATTERN.fullmatch(public_id) and PUBLIC_ID_PATTERN.fullmatch(raw_secret):
            raise InvalidInput(
                "The public id and the secret look swapped: the public id is the shorter one "
                "(32 characters)."
            )
        if not PUBLIC_ID_PATTERN.fullmatch(public_id):
            raise InvalidInput(
                "A Numerai API public id is 32 capital letters and digits; the one entered has "
                f"{len(public_id)} characters{_shape_hint(public_id)}."
            )
        if not SECRET_PATTERN.fullmatch(raw_secret):
            raise InvalidInput(
                "A Numerai API secret is 64 capital letters and digits; the one entered has "
                f"{len(raw_secret)} characters{_shape_hint(raw_secret)}."
            )
        return cls(public_id, SecretStr(raw_secret))

    @classmethod
    def from_token(cls, token: str | SecretStr) -> NumeraiApiKey:
        """A key from Numerai's `PUBLIC_ID$SECRET` token form."""
        raw = token.reveal() if isinstance(token, SecretStr) else token
        public_id, sep, secret = raw.strip().partition("$")
        if not sep:
            raise InvalidInput("A Numerai API token is the public id and the secret joined by $.")
        return cls.parse(public_id, secret)

    def credentials(self) -> tuple[str, str]:
        """(public_id, secret) for the Numerai client; keep the tuple short-lived."""
        return self.public_id, self.secret.reveal()

    def token(self) -> SecretStr:
        return SecretStr(f"{self.public_id}${self.secret.reveal()}")

    def __repr__(self) -> str:
        return f"NumeraiApiKey(public_id={self.public_id!r}, secret={self.secret!r})"

    __str__ = __repr__


def _shape_hint(text: str) -> str:
    if any(c.islower() for c in text):
        return ", some of them lower-case"
    if any(not c.isalnum() for c in text):
        return ", some of them neither letters nor digits"
    return ""

