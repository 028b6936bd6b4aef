"""The simulated people: accounts, their models and API keys, all deterministic from a seed."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

ALL_SCOPES = (
    "read_user_info",
    "read_submission_info",
    "upload_submission",
    "stake",
    "web3_staking",
)
READ_ONLY_SCOPES = ("read_user_info", "read_submission_info")

# Behaviours a model can have; the tournament turns them into score parameters.
STYLES = ("consistent", "drifting_down", "drifting_up", "skipper", "ordinary")

_ADJECTIVES = (
    "quiet", "amber", "silver", "brisk", "lucid", "north", "cobalt", "gentle", "rapid",
    "hollow", "crimson", "steady", "velvet", "polar", "binary", "golden", "misty", "solar",
    "ionic", "vivid",
)
_NOUNS = (
    "otter", "falcon", "quant", "lynx", "harbor", "comet", "maple", "signal", "raven",
    "delta", "gecko", "tundra", "orchid", "vector", "badger", "prism", "heron", "summit",
    "cedar", "koala",
)


@dataclass(frozen=True)
class ApiKey:
    name: str
    public_id: str
    secret: str
    scopes: tuple[str, ...]
    username: str

    @property
    def token(self) -> str:
        return f"{self.public_id}${self.secret}"


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    wallet_address: str
    api_keys: tuple[ApiKey, ...]


@dataclass(frozen=True)
class Model:
    index: int
    id: str
    name: str
    username: str  # the owning account
    style: str
    cluster: int  # -1: independent of every cluster
    start_round: int
    nmr_staked: Decimal
    bio: str


def _derived_text(seed: int, label: str, length: int) -> str:
    """Uppercase letters and digits, like Numerai's key ids, derived from the seed."""
    out = ""
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{label}:{counter}".encode()).digest()
        out += base64.b32encode(digest).decode().rstrip("=")
        counter += 1
    return out[:length]


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def build_population(
    seed: int, n_models: int, n_accounts: int, first_round: int, n_rounds: int
) -> tuple[list[Account], list[Model]]:
    rng = np.random.default_rng([seed, 0xACC])
    n_accounts = max(1, min(n_accounts, n_models))
    usernames: list[str] = []
    for i in range(n_accounts):
        base = f"{_ADJECTIVES[i % len(_ADJECTIVES)]}_{_NOUNS[(i * 7 + seed) % len(_NOUNS)]}"
        usernames.append(base if i < len(_ADJECTIVES) else f"{base}{i // len(_ADJECTIVES)}")

    accounts: list[Account] = []
    for i, username in enumerate(usernames):
        account_id = _uuid(rng)
        wallet = "0x" + hashlib.sha256(f"{seed}:{username}:wallet".encode()).hexdigest()[:40]
        keys = [
            ApiKey(
                name="demo",
                public_id=_derived_text(seed, f"{username}:public", 32),
                secret=_derived_text(seed, f"{username}:secret", 64),
                scopes=ALL_SCOPES,
                username=username,
            )
        ]
        if i == 0:  # one key without staking rights, for scope checks
            keys.append(
                ApiKey(
                    name="read-only",
                    public_id=_derived_text(seed, f"{username}:ro-public", 32),
                    secret=_derived_text(seed, f"{username}:ro-secret", 64),
                    scopes=READ_ONLY_SCOPES,
                    username=username,
                )
            )
        accounts.append(Account(account_id, username, wallet, tuple(keys)))

    # Every account gets one model, the rest are spread at random.
    owner_of = list(range(n_accounts)) + list(rng.integers(0, n_accounts, n_models - n_accounts))
    style_weights = np.array([0.25, 0.1, 0.1, 0.15, 0.4])
    styles = rng.choice(len(STYLES), size=n_models, p=style_weights)
    n_clusters = max(1, n_models // 8)
    clustered = rng.random(n_models) < 0.6
    clusters = np.where(clustered, rng.integers(0, n_clusters, n_models), -1)
    late = rng.random(n_models) < 0.2
    late_start = first_round + rng.integers(0, max(1, n_rounds // 2), n_models)
    starts = np.where(late, late_start, first_round)
    staked = np.exp(rng.normal(5.0, 1.3, n_models))
    unstaked = rng.random(n_models) < 0.15

    models: list[Model] = []
    per_account: dict[int, int] = {}
    for i in range(n_models):
        owner = int(owner_of[i])
        count = per_account.get(owner, 0)
        per_account[owner] = count + 1
        username = usernames[owner]
        name = username if count == 0 else f"{username}_{count + 1}"
        stake = Decimal(0) if unstaked[i] else Decimal(f"{min(staked[i], 25_000.0):.2f}")
        style = STYLES[int(styles[i])]
        models.append(
            Model(
                index=i,
                id=_uuid(rng),
                name=name,
                username=username,
                style=style,
                cluster=int(clusters[i]),
                start_round=int(starts[i]),
                nmr_staked=stake,
                bio=f"A {style.replace('_', ' ')} model by {username}.",
            )
        )
    return accounts, models
