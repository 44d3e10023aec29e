"""Reference side of the database part of `cargo xtask interop`.

build SPEC DIR: creates the database described by SPEC (key, nodes by
    metatag path, tags with bytes or JSON values) in DIR and saves it.
dump SPEC DIR OUT: opens the database of SPEC's key in DIR and writes
    every node's tags to OUT as {"bytes": hex} or {"json": json.dumps(v)}.
"""
import json
import sys

from aiootp import Database


def node_at(db, path):
    n = db
    for name in [p for p in path.split("/") if p]:
        n = n.metatag(name)
    return n


def build(spec, path):
    db = Database(bytes.fromhex(spec["key"]), path=path)
    for node_path, node in spec["nodes"].items():
        n = node_at(db, node_path)
        for tag, v in node.items():
            n[tag] = bytes.fromhex(v["bytes"]) if "bytes" in v else json.loads(v["json"])
    db.save_database()


def dump(spec, path, out):
    db = Database(bytes.fromhex(spec["key"]), path=path, preload=True)
    result = {}

    def walk(n, prefix):
        tags = {}
        for t in n.tags:
            v = n.query_tag(t)
            tags[t] = {"bytes": v.hex()} if v.__class__ is bytes else {"json": json.dumps(v)}
        result[prefix] = tags
        for m in n.metatags:
            walk(n.metatag(m), f"{prefix}/{m}" if prefix else m)

    walk(db, "")
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        spec = json.load(f)
    if sys.argv[1] == "build":
        build(spec, sys.argv[3])
    else:
        dump(spec, sys.argv[3], sys.argv[4])
