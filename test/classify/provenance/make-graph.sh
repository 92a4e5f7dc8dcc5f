#!/usr/bin/env bash
# Regenerates graph.json.gz and graph-index.json from cases-*.json via cases.nix.
#
#   test/classify/provenance/make-graph.sh /tmp/auxcore                       # the development corpus
#   test/classify/provenance/make-graph.sh /tmp/auxcore holdout holdout/cases-holdout.json
#                                          # another set: output folder, then its case files
#
# $1 = an extracted Aux core tree (June-2024 nixpkgs fork), e.g.
#   mkdir -p /tmp/auxcore && git --git-dir=<auxolotl/core repo> archive HEAD | tar -x -C /tmp/auxcore
# Only instantiates (writes .drv files to the local store); never builds or fetches.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -eq 2 ] || [ ! -f "$1/default.nix" ]; then
  echo "usage: $0 <path to extracted Aux core tree> [<output folder> <case file>...]" >&2
  exit 2
fi
aux=$(cd "$1" && pwd)
cases_nix=$(cd "$(dirname "$0")" && pwd)/cases.nix
here=$(cd "$(dirname "$0")" && pwd)
casesArg=()
if [ $# -gt 2 ]; then
  here=$(cd "$here/$2" && pwd)
  files=""
  for f in "${@:3}"; do files="$files $(cd "$(dirname "$0")" && realpath "$f")"; done
  casesArg=(--arg casesFiles "[$files ]")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nixopts=(--option substituters '' --option allow-import-from-derivation false)

# 1. instantiate every consumer (and with it its src FOD and stdenv)
nix-instantiate "${nixopts[@]}" --quiet "$cases_nix" --arg pkgsPath "$aux" "${casesArg[@]}" \
  > "$tmp/drvs" 2> "$tmp/instantiate.err" || {
  cat "$tmp/instantiate.err" >&2; exit 1; }
sort -u "$tmp/drvs" > "$tmp/drvs.sorted"
echo "instantiated $(wc -l < "$tmp/drvs.sorted") consumer derivations" >&2

# 2. the index: case id -> consumer .drv, src .drv (+ how the case was instantiated)
nix-instantiate "${nixopts[@]}" --quiet --eval --strict --json "$cases_nix" \
  --arg pkgsPath "$aux" "${casesArg[@]}" --argstr mode index 2> /dev/null > "$tmp/index.json"

# 3. the closure, as Nix shows it
xargs nix --extra-experimental-features nix-command show-derivation -r \
  < "$tmp/drvs.sorted" > "$tmp/graph.json"

python3 - "$tmp/index.json" "$tmp/graph.json" "$tmp/drvs.sorted" "$here/graph-index.json" <<'EOF'
import json, sys
index = json.load(open(sys.argv[1]))
graph = json.load(open(sys.argv[2]))
drvs = set(open(sys.argv[3]).read().split())
if index["skipped"]:
    print("skipped cases:", json.dumps(index["skipped"], indent=1), file=sys.stderr)
out = {}
for cid in sorted(index["cases"]):
    e = index["cases"][cid]
    assert e["consumer"] in drvs, (cid, e["consumer"])
    assert e["consumer"] in graph and e["src"] in graph, cid
    assert graph[e["src"]]["outputs"]["out"].get("hash"), ("src is not fixed-output", cid)
    out[cid] = {k: e[k] for k in ("file", "consumer", "src", "builder", "builderUsed",
                                  "builderFallback", "isPatch", "stubbedInputs", "argNotes",
                                  "droppedAttrs") if k in e}
json.dump(out, open(sys.argv[4], "w"), indent=1, sort_keys=True)
open(sys.argv[4], "a").write("\n")
print(f"{len(out)} cases indexed, {len(graph)} derivations in graph", file=sys.stderr)
EOF

python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), sys.stdout, sort_keys=True, separators=(",", ":"))' \
  "$tmp/graph.json" | gzip -9n > "$here/graph.json.gz"
ls -l "$here/graph.json.gz" "$here/graph-index.json" >&2
