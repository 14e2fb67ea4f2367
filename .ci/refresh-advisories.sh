#!/usr/bin/env bash
# Rewrite the vendored RustSec advisory subset in .ci/advisory-db/ from a
# checkout of https://github.com/rustsec/advisory-db.
#
#   git clone https://github.com/rustsec/advisory-db /tmp/advisory-db
#   bash .ci/refresh-advisories.sh /tmp/advisory-db
#
# The argument may be a working-tree checkout or a bare git directory (the
# files of its HEAD commit are used). Only the advisories of crates named in
# ../Cargo.lock are kept (every crate of the lock file, direct or not), so
# re-run this after Cargo.lock gains a crate, and from time to time to pick up
# new advisories. Needs only bash, git, sed, sort and comm.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <path to a checkout of rustsec/advisory-db>" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="$here/../Cargo.lock"
out="$here/advisory-db"
src="$1"

if git -C "$src" rev-parse --is-bare-repository 2>/dev/null | grep -qx true; then
    gitdir="$(cd "$src" && pwd)"
else
    gitdir="$(git -C "$src" rev-parse --absolute-git-dir)"
fi
g() { git --git-dir="$gitdir" "$@"; }

commit="$(g rev-parse HEAD)"
commit_date="$(g show -s --format=%cI HEAD)"
g cat-file -e "HEAD:crates" || { echo "$src: no crates/ directory at HEAD" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^name = "\(.*\)"$/\1/p' "$lock" | LC_ALL=C sort -u > "$tmp/lock-crates"
g ls-tree --name-only HEAD crates/ | sed 's#^crates/##' | LC_ALL=C sort -u > "$tmp/db-crates"
LC_ALL=C comm -12 "$tmp/lock-crates" "$tmp/db-crates" > "$tmp/hits"

mkdir -p "$tmp/new/crates"
n=0
while read -r krate; do
    mkdir -p "$tmp/new/crates/$krate"
    while read -r file; do
        g show "HEAD:$file" > "$tmp/new/$file"
        n=$((n + 1))
    done < <(g ls-tree -r --name-only HEAD "crates/$krate/" | grep '\.md$')
done < "$tmp/hits"
g show HEAD:LICENSE.txt > "$tmp/new/LICENSE.txt"
# The crates this subset was cut for: .ci/audit.sh refuses a Cargo.lock that
# names a crate outside this list, since its advisories were never looked at.
cp "$tmp/lock-crates" "$tmp/new/covered-crates.txt"

cat > "$tmp/new/README.md" <<EOF
# Vendored RustSec advisories (subset)

Read by \`.ci/audit.sh\` (cargo-deny, offline). Do not edit by hand.

- Source: https://github.com/rustsec/advisory-db (CC0-1.0, see LICENSE.txt)
- Commit: $commit
- Commit date: $commit_date
- Vendored on: $(date -u +%F)
- Subset: the $n advisories filed under the $(wc -l < "$tmp/hits") crates of
  \`Cargo.lock\` (out of $(wc -l < "$tmp/lock-crates") crates in the lock file)
  that have any advisory at that commit, layout unchanged (\`crates/<name>/RUSTSEC-*.md\`).
  The crates of Cargo.lock without a folder here had no advisory at that
  commit; \`covered-crates.txt\` lists every crate the subset was cut for.

Refresh (after any Cargo.lock change that adds a crate, and periodically):

    git clone https://github.com/rustsec/advisory-db /tmp/advisory-db
    bash .ci/refresh-advisories.sh /tmp/advisory-db
EOF

rm -rf "$out"
mv "$tmp/new" "$out"
echo "refresh-advisories: wrote $n advisories for $(wc -l < "$tmp/hits") crates from $commit ($commit_date) to $out"
