"""The simulator speaks Numerai's names: every served type, field and argument exists in
Numerai's schema (tests/data/numerai-graphql-schema.md, a copy of the shared reference),
except the few numerapi or the live API use that the dump lacks, listed here and in the SDL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLScalarType

from numerbay_desktop.devnet.local_numerai.server import load_schema

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "numerai-graphql-schema.md"

# Names the live API or numerapi 3.1.1 use that the schema dump does not have.
EXTRA_FIELDS = {
    ("Query", "v3StakeClaims"),
    ("V3StakeClaim", "claimableAmountWei"),
    ("V2LeaderboardEntry", "return_1_day"),
    ("V2LeaderboardEntry", "return_13_weeks"),
    ("V2LeaderboardEntry", "return_52_weeks"),
    ("V2RoundModelPerformance", "payoutMultipliers"),
    ("RoundPayoutMultiplier", "id"),
    ("RoundPayoutMultiplier", "scoreConfigId"),
    ("RoundPayoutMultiplier", "name"),
    ("RoundPayoutMultiplier", "version"),
    ("ApiToken", "public_id"),
}
EXTRA_ARGS = {
    ("v3UserProfile", "model_name"),
    ("v3StakeConfig", "tournamentId"),
    ("v3StakeRound", "tournamentId"),
    ("v3StakeAuth", "tournamentId"),
    ("v3StakeClaim", "tournamentId"),
}


def parse_reference() -> tuple[dict[str, dict[str, set[str]]], dict[str, set[str]], set[str]]:
    """(section -> {name -> names in its table}), enums, scalars."""
    text = REFERENCE.read_text()
    sections: dict[str, dict[str, set[str]]] = {}
    section = ""
    current: set[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            sections.setdefault(section, {})
            current = None
        elif m := re.match(r"^### `([^`]+)`", line):
            current = sections[section].setdefault(m.group(1), set())
        elif current is not None and (m := re.match(r"^\| `([^`]+)` \|", line)):
            current.add(m.group(1))
    scalars = set(re.findall(r"^- `(\w+)` —", text, re.MULTILINE))
    return sections, sections.get("Enums", {}), scalars


SECTIONS, ENUMS, SCALARS = parse_reference()
SCHEMA = load_schema()


def test_reference_parsed() -> None:
    assert len(SECTIONS["Queries"]) > 70 and len(SECTIONS["Object types"]) > 100
    assert "modelName" in SECTIONS["Queries"]["v3UserProfile"]


def test_query_fields_and_arguments() -> None:
    queries = SECTIONS["Queries"]
    query_type = SCHEMA.query_type
    assert query_type is not None
    for name, field in query_type.fields.items():
        if ("Query", name) in EXTRA_FIELDS:
            continue
        assert name in queries, f"Query.{name} is not a Numerai query"
        for arg in field.args:
            assert arg in queries[name] or (name, arg) in EXTRA_ARGS, f"{name}({arg}:)"


served_types = [
    t for name, t in SCHEMA.type_map.items()
    if isinstance(t, GraphQLObjectType) and not name.startswith("__") and name != "Query"
]


@pytest.mark.parametrize("gql_type", served_types, ids=lambda t: t.name)
def test_object_type_names(gql_type: GraphQLObjectType) -> None:
    reference = SECTIONS["Object types"]
    assert gql_type.name in reference, f"{gql_type.name} is not a Numerai type"
    for field_name in gql_type.fields:
        assert field_name in reference[gql_type.name] or (
            gql_type.name, field_name
        ) in EXTRA_FIELDS, f"{gql_type.name}.{field_name}"


def test_enums_and_scalars() -> None:
    for name, t in SCHEMA.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(t, GraphQLEnumType):
            assert name in ENUMS and set(t.values) <= ENUMS[name]
        elif isinstance(t, GraphQLScalarType):
            assert name in SCALARS, name


def test_the_simulator_covers_what_the_app_uses() -> None:
    query_type = SCHEMA.query_type
    assert query_type is not None
    needed = {
        "rounds", "v3UserProfile", "submissionScores", "v2Leaderboard", "account", "model",
        "accountProfile", "v2RoundModelPerformances", "latestNmrPrice", "v3StakeConfig",
        "v3StakeRound", "v3StakeAuth", "v3StakeClaim", "v3StakeClaims",
    }
    assert needed <= set(query_type.fields)
