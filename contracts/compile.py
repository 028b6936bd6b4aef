"""Compile the project's Vyper contracts into `resources/contracts/<Name>.json`.

Run by `make contracts` as `.venv/bin/python contracts/compile.py [Name ...]` (no name: all).

Which files are contracts: every top-level `contracts/*.vy` must be listed either in
`CONTRACTS` (deployable, compiled to an artifact) or in `MODULES` (only imported by others).
Contract authors append their own entries; `check_all()` reports an unlisted file.

An artifact holds: abi, bytecode (initcode), bytecode_runtime, blueprint_bytecode (EIP-5202
deployment code, only for contracts marked as blueprints, else null), compiler_version,
immutables_bytes (bytes appended to the runtime code at deployment, for size checks),
source_path, source_sha256, and imports (repo- or search-path-relative path -> SHA-256 of
every source the contract imports, recursively; the compiler's own built-in interfaces are
covered by compiler_version). JSON with sorted keys, so output is deterministic.

`is_stale(name)` and `check_all()` only hash files and read JSON: no compilation.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = REPO / "contracts"
ARTIFACTS_DIR = REPO / "resources" / "contracts"


@dataclass(frozen=True)
class ContractSpec:
    """How to build one deployable contract."""

    blueprint: bool = False  # also emit EIP-5202 blueprint deployment code


# Deployable contracts (file stem -> spec). Append yours here.
CONTRACTS: dict[str, ContractSpec] = {
    "MockNMR": ContractSpec(),
    "LocalAtomicStaking": ContractSpec(),
    "Multicall3": ContractSpec(),
    "NumerBayVault": ContractSpec(blueprint=True),
    "VaultAdmin": ContractSpec(),
    "VaultLens": ContractSpec(),
    "VaultFactory": ContractSpec(),
}

# Top-level `contracts/*.vy` files that are modules meant only for import.
MODULES: set[str] = set()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _search_paths() -> list[Path]:
    return [CONTRACTS_DIR, *[Path(p).resolve() for p in sys.path if p]]


def _import_key(resolved: Path) -> str | None:
    """A machine-independent name for an imported file; None for the compiler's built-ins.

    Project files are named relative to the repository, installed packages (snekmate)
    relative to the most specific `sys.path` entry holding them.
    """
    import vyper

    if resolved.is_relative_to(Path(vyper.__file__).resolve().parent):
        return None
    if resolved.is_relative_to(CONTRACTS_DIR):
        return resolved.relative_to(REPO).as_posix()
    roots = [root for root in _search_paths()[1:] if resolved.is_relative_to(root)]
    if roots:
        root = max(roots, key=lambda r: len(r.parts))
        return resolved.relative_to(root).as_posix()
    return resolved.as_posix()


def _locate_import(key: str) -> Path | None:
    for root in [REPO, *_search_paths()[1:]]:
        candidate = root / key
        if candidate.is_file():
            return candidate
    return None


def artifact_path(name: str) -> Path:
    return ARTIFACTS_DIR / f"{name}.json"


def source_path(name: str) -> Path:
    return CONTRACTS_DIR / f"{name}.vy"


def build(name: str) -> dict[str, object]:
    """Compile one listed contract and return its artifact (not written)."""
    import vyper
    from vyper.compiler import compile_from_file_input
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.compiler.phases import CompilerData

    spec = CONTRACTS[name]
    bundle = FilesystemInputBundle(_search_paths())
    file_input = bundle.load_file(source_path(name))
    formats = ["abi", "bytecode", "bytecode_runtime"]
    if spec.blueprint:
        formats.append("blueprint_bytecode")
    output = compile_from_file_input(file_input, input_bundle=bundle, output_formats=formats)

    data = CompilerData(file_input, input_bundle=FilesystemInputBundle(_search_paths()))
    module_t = data.annotated_vyper_module._metadata["type"]
    imports: dict[str, str] = {}
    for compiler_input in data.resolved_imports.compiler_inputs:
        resolved = Path(compiler_input.resolved_path).resolve()
        if resolved == source_path(name).resolve():
            continue
        key = _import_key(resolved)
        if key is not None:
            imports[key] = _sha256(resolved)

    return {
        "contract_name": name,
        "abi": output["abi"],
        "bytecode": output["bytecode"],
        "bytecode_runtime": output["bytecode_runtime"],
        "blueprint_bytecode": output.get("blueprint_bytecode"),
        "immutables_bytes": int(module_t.immutable_section_bytes),
        "compiler_version": vyper.__version__,
        "source_path": source_path(name).relative_to(REPO).as_posix(),
        "source_sha256": _sha256(source_path(name)),
        "imports": dict(sorted(imports.items())),
    }


def write(name: str) -> Path:
    artifact = build(name)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    target = artifact_path(name)
    text = json.dumps(artifact, indent=2, sort_keys=True) + "\n"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


def stale_reasons(name: str) -> list[str]:
    """Why `name`'s artifact does not match its sources (empty when it is fresh)."""
    target = artifact_path(name)
    if not target.is_file():
        return ["artifact missing"]
    artifact = json.loads(target.read_text(encoding="utf-8"))
    reasons: list[str] = []
    source = source_path(name)
    if not source.is_file():
        return [f"source {source.name} missing"]
    if artifact.get("source_sha256") != _sha256(source):
        reasons.append(f"{source.name} changed")
    for key, digest in artifact.get("imports", {}).items():
        located = _locate_import(key)
        if located is None:
            reasons.append(f"import {key} missing")
        elif _sha256(located) != digest:
            reasons.append(f"import {key} changed")
    import vyper

    if artifact.get("compiler_version") != vyper.__version__:
        reasons.append(f"compiled by vyper {artifact.get('compiler_version')}")
    if CONTRACTS[name].blueprint != bool(artifact.get("blueprint_bytecode")):
        reasons.append("blueprint setting changed")
    return reasons


def is_stale(name: str) -> bool:
    return bool(stale_reasons(name))


def check_all() -> dict[str, list[str]]:
    """Every problem found, by contract or file name; empty when all artifacts are fresh."""
    problems: dict[str, list[str]] = {}
    for path in sorted(CONTRACTS_DIR.glob("*.vy")):
        if path.stem not in CONTRACTS and path.stem not in MODULES:
            problems[path.stem] = ["not listed in CONTRACTS or MODULES of contracts/compile.py"]
    for name in CONTRACTS:
        reasons = stale_reasons(name)
        if reasons:
            problems[name] = reasons
    return problems


def main(argv: list[str]) -> int:
    names = argv or list(CONTRACTS)
    unknown = [n for n in names if n not in CONTRACTS]
    if unknown:
        print(f"unknown contract(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    for name in names:
        target = write(name)
        artifact = json.loads(target.read_text(encoding="utf-8"))
        runtime = len(bytes.fromhex(artifact["bytecode_runtime"][2:]))
        print(f"{name}: runtime {runtime} bytes -> {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
