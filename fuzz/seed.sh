#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's fixtures and rules (idempotent: files are
# named by their content's hash). Multi-file targets (hcl, scan) get one input per fixture
# folder, its files joined with `@@ <path>` lines (see fuzz/src/lib.rs, split_files).
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$fuzz")"
cd "$repo"

put() { # put TARGET < content
    local dir="$fuzz/corpus/$1" tmp hash
    mkdir -p "$dir"
    tmp="$(mktemp)"
    cat > "$tmp"
    hash="$(sha1sum < "$tmp" | cut -c1-16)"
    mv "$tmp" "$dir/seed-$hash"
}
put_file() { # put_file TARGET FILE
    local dir="$fuzz/corpus/$1"
    mkdir -p "$dir"
    cp "$2" "$dir/seed-$(sha1sum < "$2" | cut -c1-16)"
}
# A folder as one multi-file input; FIRST (if present) comes first, without a header.
folder() { # folder DIR FIRST
    local dir="$1" first="$2" f
    if [ -f "$dir/$first" ]; then cat "$dir/$first"; fi
    (cd "$dir" && find . -type f ! -name '*.md' | sed 's|^\./||' | sort) | while read -r f; do
        [ "$f" = "$first" ] && continue
        printf '\n@@ %s\n' "$f"
        cat "$dir/$f"
    done
}

for f in $(find fixtures rules -name '*.yaml' -o -name '*.yml'); do
    put_file yaml "$f"
    if grep -q '^services:' "$f"; then put_file compose "$f"; fi
    if grep -q '^kind:' "$f"; then put_file kubernetes "$f"; fi
    if grep -q 'trustmap:' "$f"; then put_file decisions "$f"; fi
done
for f in rules/*.yaml; do put_file rules "$f"; done
for f in fixtures/decisions/*; do put_file decisions "$f"; done
for f in $(find fixtures -name '*.tf'); do
    put_file hcl "$f"
    if grep -q 'trustmap:' "$f"; then put_file decisions "$f"; fi
done
for d in fixtures/terraform/*/; do folder "$d" main.tf | put hcl; done
for f in $(find fixtures/terraform -name '*.json' -o -name '*.tfstate'); do put_file plan "$f"; done
for d in $(find fixtures -type f ! -path 'fixtures/drift/expected/*' -printf '%h\n' | sort -u); do
    folder "$d" compose.yaml | put scan
done
for d in fixtures/terraform/*/; do folder "$d" "" | put scan; done
for t in "$fuzz"/corpus/*/; do echo "$(basename "$t"): $(ls "$t" | wc -l) inputs"; done
