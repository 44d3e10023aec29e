#!/usr/bin/env python3
"""Writes the pinned subset of the reference's vectors into this folder.

    python3 crates/aiootp-kat/vectors/make_subset.py [../shared/kat]

Every value is copied unchanged from the full sets (made by the reference's
generators in shared/kat): the first cases of each kind or array, every
constant, and the smallest database of the seed-0 fixture with its folder.
"""
import json
import shutil
import sys
from pathlib import Path

KEEP = 2  # cases kept per kind / array

src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[3] / "shared" / "kat")
out = Path(__file__).parent

# Chunky2048: the meta case and the first KEEP cases of every kind.
cases = json.loads((src / "chunky2048.json").read_text())
seen = {}
subset = []
for c in cases:
    # Messages without aad count apart, so the CLI's tests have some.
    kind = (c["kind"], c.get("aad") == "")
    n = seen.get(kind, 0)
    if c["kind"] == "meta" or n < KEEP:
        subset.append(c)
    seen[kind] = n + 1
(out / "chunky2048.json").write_text(json.dumps(subset, indent=1) + "\n")

# Keygens: every constant and standalone object, the first KEEP cases of
# every array (no 512 MiB case).
keygens = json.loads((src / "keygens.json").read_text())


def trim(node, path=""):
    if isinstance(node, dict):
        return {k: trim(v, f"{path}.{k}" if path else k) for k, v in node.items()}
    if isinstance(node, list) and node and isinstance(node[0], dict) and not path.startswith("constants"):
        return [] if path == "passcrypt_new_large" else node[:KEEP]
    return node


(out / "keygens.json").write_text(json.dumps(trim(keygens), indent=1) + "\n")

# The database fixture: its profile database only (40 KiB of files).
fixture = src / "database-seed0"
expected = json.loads((fixture / "expected.json").read_text())
expected["databases"] = [d for d in expected["databases"] if d["id"] == "profile"]
dest = out / "database-seed0"
if dest.exists():
    shutil.rmtree(dest)
dest.mkdir()
shutil.copytree(fixture / "profile", dest / "profile")
for p in (dest / "profile").rglob("*"):
    p.chmod(0o755 if p.is_dir() else 0o644)
(dest / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
print("pinned:", len(subset), "chunky2048 cases,", sum(1 for _ in dest.rglob("*")), "fixture paths")
