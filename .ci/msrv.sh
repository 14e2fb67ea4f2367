#!/usr/bin/env bash
# The declared minimum Rust version (`rust-version` in Cargo.toml) against the dependencies:
# every workspace crate takes it from the workspace, and no crate in Cargo.lock asks for a
# newer Rust than it declares. Prints the most demanding dependency, so a declaration above it
# is visible (Cargo.toml says why it is what it is). The code itself is checked against the
# declaration by clippy's `incompatible_msrv` lint (in `.ci/run`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked --offline | python3 -c '
import json, sys
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
version = lambda text: tuple(int(part) for part in text.split("."))
shown = lambda parts: ".".join(str(part) for part in parts)
declared = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(declared) != 1 or None in declared:
    sys.exit(f"msrv: every workspace crate takes rust-version from the workspace; found {declared}")
declared = declared.pop()
needed = max(
    ((version(p["rust_version"]), p["name"]) for p in meta["packages"]
     if p["id"] not in members and p.get("rust_version")),
    default=((0,), "none"),
)
if needed[0] > version(declared):
    sys.exit(f"msrv: {needed[1]} needs Rust {shown(needed[0])}, above the declared {declared}")
print(f"msrv: rust-version {declared}; the most demanding dependency, {needed[1]}, needs {shown(needed[0])}")
'
