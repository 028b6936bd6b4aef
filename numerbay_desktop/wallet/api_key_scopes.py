"""What a Numerai API key may do, from the scopes Numerai reports for it (pure, no network).

The services fetch `account { apiTokens { name public_id scopes } }` with the key itself and
hand the token list here; `scopes_of_key` finds the key's entry and `describe_scopes` says
in plain words which features work. Vault round work (`v3StakeAuth`, `v3StakeClaims`) needs
the `web3_staking` scope; nothing else in the app is possible without `read_user_info`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

READ_USER_INFO = "read_user_info"
READ_SUBMISSION_INFO = "read_submission_info"
UPLOAD_SUBMISSION = "upload_submission"
STAKE = "stake"
WEB3_STAKING = "web3_staking"

HOW_TO_GET_A_KEY = (
    "Create a key with the missing scopes on numer.ai (Account, then API keys) and save it again."
)


@dataclass(frozen=True)
class Feature:
    """One thing the app can do with the key, whether it works, and why (one sentence)."""

    name: str
    available: bool
    needs: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class ScopeReport:
    """The key's scopes turned into features; `summary` is the sentence to show first."""

    scopes: tuple[str, ...] | None  # None: Numerai did not list this key
    features: tuple[Feature, ...]
    summary: str

    def feature(self, name: str) -> Feature:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    @property
    def can_read(self) -> bool:
        return self.feature("read").available

    @property
    def can_upload(self) -> bool:
        return self.feature("upload").available

    @property
    def can_stake_rounds(self) -> bool:
        """The owner's round work for a vault: `v3StakeAuth` and `v3StakeClaims`."""
        return self.feature("round_work").available

    @property
    def missing_for_round_work(self) -> tuple[str, ...]:
        have = set(self.scopes or ())
        return tuple(s for s in self.feature("round_work").needs if s not in have)


# name, scopes needed, what it is (for "can ..." / "cannot ..." sentences)
_FEATURES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("read", (READ_USER_INFO,), "read your account and list your models"),
    ("submissions", (READ_SUBMISSION_INFO,), "read your models' submissions"),
    ("upload", (UPLOAD_SUBMISSION,), "upload predictions"),
    ("classic_stake", (STAKE,), "change classic Numerai stakes"),
    ("round_work", (READ_USER_INFO, WEB3_STAKING), "stake and settle rounds for your vaults"),
)


def normalize_scopes(scopes: Iterable[object] | None) -> tuple[str, ...] | None:
    """Scope names as a sorted tuple without duplicates; non-strings are dropped."""
    if scopes is None:
        return None
    return tuple(sorted({s.strip().lower() for s in scopes if isinstance(s, str) and s.strip()}))


def scopes_of_key(api_tokens: object, public_id: str) -> tuple[str, ...] | None:
    """The scopes Numerai lists for the key `public_id` in `account.apiTokens` (or the whole
    `account` mapping); None when the key is not listed or the answer has another shape."""
    tokens = api_tokens
    if isinstance(tokens, Mapping):
        tokens = tokens.get("apiTokens", tokens.get("api_tokens"))
    if not isinstance(tokens, Sequence) or isinstance(tokens, str | bytes):
        return None
    for token in tokens:
        if not isinstance(token, Mapping):
            continue
        listed = token.get("public_id", token.get("publicId"))
        if isinstance(listed, str) and listed.strip().upper() == public_id.strip().upper():
            scopes = token.get("scopes")
            if scopes is None:
                return ()
            if isinstance(scopes, Sequence) and not isinstance(scopes, str | bytes):
                return normalize_scopes(scopes)
            return None
    return None


def describe_scopes(scopes: Iterable[object] | None) -> ScopeReport:
    """Which features the key's scopes allow, in plain words. `None` means unknown."""
    normalized = normalize_scopes(scopes)
    have = set(normalized or ())
    features = tuple(
        _feature(name, needs, what, have, known=normalized is not None)
        for name, needs, what in _FEATURES
    )
    return ScopeReport(normalized, features, _summary(normalized, features))


def _feature(
    name: str, needs: tuple[str, ...], what: str, have: set[str], *, known: bool
) -> Feature:
    missing = [scope for scope in needs if scope not in have]
    if not known:
        explanation = f"Unknown whether this key can {what}."
    elif missing:
        explanation = f"This key cannot {what}: it lacks the {_join(missing)} scope."
    else:
        explanation = f"This key can {what}."
    return Feature(name, known and not missing, needs, explanation)


def _summary(scopes: tuple[str, ...] | None, features: tuple[Feature, ...]) -> str:
    if scopes is None:
        return (
            "Numerai did not list this key among your account's API keys, so its scopes are "
            "unknown; check that the public id belongs to this account."
        )
    if not scopes:
        return f"This key has no scopes, so the app cannot use it. {HOW_TO_GET_A_KEY}"
    by_name = {feature.name: feature for feature in features}
    round_work = by_name["round_work"]
    if round_work.available:
        extras = [by_name[n] for n in ("upload", "classic_stake") if by_name[n].available]
        more = "".join(f", {_what(f)}" for f in extras)
        return f"Full access: this key can read your account{more}, and stake rounds for vaults."
    if not by_name["read"].available:
        return (
            "This key cannot read your account (it lacks read_user_info), so the app cannot "
            f"use it. {HOW_TO_GET_A_KEY}"
        )
    can = [_what(f) for f in features if f.available and f.name != "read"]
    also = f" and {_join(can)}" if can else ""
    return (
        f"Read access: this key can read your account{also}, but it cannot stake rounds for "
        f"vaults (it lacks the web3_staking scope). {HOW_TO_GET_A_KEY}"
    )


def _what(feature: Feature) -> str:
    return {
        "submissions": "read submissions",
        "upload": "upload predictions",
        "classic_stake": "change classic stakes",
    }.get(feature.name, feature.name)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
