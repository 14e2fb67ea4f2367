#!/usr/bin/env bash
# Offline dependency check: RustSec advisories (vendored subset in
# .ci/advisory-db/), licenses, duplicate versions and sources, with cargo-deny
# and the rules in ../deny.toml, for ../Cargo.lock.
#
#   bash .ci/audit.sh
#
# Network: crates.io only (to install cargo-deny once, and `cargo fetch` the
# locked crates if they are not in the cargo cache yet). The advisory data is
# never fetched; refresh it with .ci/refresh-advisories.sh.
#
# Environment:
#   TRUSTMAP_TOOLS_ROOT  install root for cargo-deny (default: $CARGO_HOME,
#                        i.e. ~/.cargo, so the binary lands in ~/.cargo/bin)
# Exit status: 0 clean; 1 advisory/license/ban/source error, or a Cargo.lock
# crate that the vendored subset does not cover; 2 setup failure.
set -euo pipefail

DENY_VERSION=0.20.2
# cargo-deny names its checkout of a database after the url's last path
# segment and a hash of the url; this is the name for the url in deny.toml.
DB_DIR_NAME=advisory-db-3157b0e258782691

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
vendored="$here/advisory-db"
start=$SECONDS

die() { echo "audit: SETUP FAILED: $*" >&2; exit 2; }

[ -f "$root/Cargo.lock" ] || die "no Cargo.lock at $root"
[ -f "$root/deny.toml" ] || die "no deny.toml at $root"
[ -f "$vendored/covered-crates.txt" ] || die "no vendored advisory data at $vendored"
command -v git >/dev/null || die "git is required"

# 1. The vendored subset only holds the advisories of the crates that were in
#    Cargo.lock when it was cut: refuse a lock file with other crates.
uncovered="$(sed -n 's/^name = "\(.*\)"$/\1/p' "$root/Cargo.lock" | LC_ALL=C sort -u \
    | LC_ALL=C comm -23 - "$vendored/covered-crates.txt")"
if [ -n "$uncovered" ]; then
    echo "audit: Cargo.lock has crates the vendored advisory subset was not cut for:" >&2
    echo "$uncovered" | sed 's/^/  /' >&2
    echo "audit: FAILED: refresh it: bash .ci/refresh-advisories.sh <checkout of github.com/rustsec/advisory-db>" >&2
    exit 1
fi

# 2. cargo-deny, pinned, from crates.io.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
tools_root="${TRUSTMAP_TOOLS_ROOT:-$cargo_home}"
deny="$tools_root/bin/cargo-deny"
if ! { [ -x "$deny" ] && "$deny" --version 2>/dev/null | grep -qx "cargo-deny $DENY_VERSION"; }; then
    echo "audit: installing cargo-deny $DENY_VERSION into $tools_root (takes minutes)" >&2
    t0=$SECONDS
    cargo install --locked --quiet --root "$tools_root" cargo-deny --version "$DENY_VERSION" \
        || die "cargo install cargo-deny $DENY_VERSION failed"
    echo "audit: installed cargo-deny in $((SECONDS - t0))s" >&2
fi

# 3. Every locked crate in the cargo cache (cargo-deny reads their manifests
#    offline, for every target platform). A no-op once cached.
cargo fetch --locked --quiet --manifest-path "$root/Cargo.toml" \
    || die "cargo fetch --locked failed (crates.io unreachable?)"

# 4. cargo-deny only reads an advisory database from a git repository: make a
#    throw-away one from the vendored files, where deny.toml's db-path points
#    when TRUSTMAP_ADVISORY_DB_SUFFIX is set.
suffix="-trustmap-audit-$$"
db_root="$cargo_home/advisory-dbs$suffix"
trap 'rm -rf "$db_root" "${out:-}"' EXIT
rm -rf "$db_root"
mkdir -p "$db_root/$DB_DIR_NAME"
cp -R "$vendored/." "$db_root/$DB_DIR_NAME/"
git -C "$db_root/$DB_DIR_NAME" init -q
git -C "$db_root/$DB_DIR_NAME" add -A
git -C "$db_root/$DB_DIR_NAME" -c user.name=trustmap-ci -c user.email=ci@trustmap.invalid \
    -c commit.gpgsign=false commit -q -m "vendored RustSec subset" \
    || die "could not build the temporary advisory repository"

db_commit="$(sed -n 's/^- Commit: //p' "$vendored/README.md" | cut -c1-12)"
db_date="$(sed -n 's/^- Commit date: //p' "$vendored/README.md" | cut -c1-10)"
age_days=""
if db_epoch="$(date -u -d "$db_date" +%s 2>/dev/null)"; then
    age_days=$(( ($(date -u +%s) - db_epoch) / 86400 ))
fi
[ -n "$age_days" ] && [ "$age_days" -gt 90 ] \
    && echo "audit: warning: the vendored advisories are $age_days days old; refresh with .ci/refresh-advisories.sh" >&2

# 5. The check itself.
out="$(mktemp)"
set +e
TRUSTMAP_ADVISORY_DB_SUFFIX="$suffix" "$deny" deny --offline --locked --color never \
    --manifest-path "$root/Cargo.toml" --workspace --config "$root/deny.toml" \
    check --show-stats --hide-inclusion-graph \
    advisories bans licenses sources 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

summary="$(awk '/^ *(advisories|bans|licenses|sources) (ok|FAILED):/ {
        sub(/:$/, "", $2); w = ($5 > 0) ? " (" $5 " warnings)" : ""; e = ($3 > 0) ? " (" $3 " errors)" : ""
        printf "%s%s %s%s%s", sep, $1, $2, e, w; sep = ", " }' "$out" || true)"
[ -n "$summary" ] || summary="no summary from cargo-deny"
db_info="RustSec subset ${db_commit:-?} of ${db_date:-?}${age_days:+, $age_days days old}"
if [ "$status" -eq 0 ]; then
    echo "audit: OK: no advisory matches Cargo.lock ($db_info); $summary; $((SECONDS - start))s"
else
    # "RUSTSEC-id crate version" for each advisory error, from cargo-deny's report.
    hits="$(awk '/^error\[/ { adv = 1; krate = ""; next }
        /^(warning|note|help)\[/ { adv = 0; next }
        adv && krate == "" && $2 == "│" && $1 ~ /^[0-9]+$/ { krate = $3 " " $4 }
        adv && $2 == "ID:" { print $3 " " krate }' "$out" | sort -u | paste -sd, - | sed 's/,/, /g' || true)"
    echo "audit: FAILED (cargo-deny exit $status): ${hits:+$hits; }$summary ($db_info)"
    exit 1
fi
