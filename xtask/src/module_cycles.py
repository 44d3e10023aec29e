#!/usr/bin/env python3
"""Lists module circles (a imports b, b imports a, through any path) in
every crate of the workspace, from `crate::` and `super::` paths in the
source (doc comments and unit-test modules excluded). Exit 1 if any."""
import re
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")


def modname(src, f):
    parts = list(f.relative_to(src).with_suffix("").parts)
    return "crate" if parts in (["lib"], ["main"]) else "crate::" + "::".join(parts)


found = 0
for src in sorted(root.glob("crates/*/src")) + [root / "xtask/src"]:
    mods = {}
    for f in src.rglob("*.rs"):
        m = modname(src, f)
        text = re.sub(r"#\[cfg\(test\)\]\s*mod tests\s*\{.*", "", f.read_text(), flags=re.S)
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
        deps = set()
        for d in re.findall(r"crate::([a-z_0-9]+(?:::[a-z_0-9]+)*)", text):
            parts = d.split("::")
            deps.update("crate::" + "::".join(parts[:i]) for i in range(1, len(parts) + 1))
        for group in re.findall(r"crate::\{([^}]*)\}", text):
            deps.update("crate::" + i.strip().split("::")[0] for i in group.split(",") if i.strip())
        for d in re.findall(r"super::([a-z_0-9]+)", text):
            deps.add(m.rsplit("::", 1)[0] + "::" + d)
        mods[m] = deps
    graph = {
        m: {d for d in ds if d in mods and d != m and not m.startswith(d + "::") and not d.startswith(m + "::")}
        for m, ds in mods.items()
    }
    state = {}

    def visit(u, stack):
        global found
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                found += 1
                print(f"{src}: " + " -> ".join(stack[stack.index(v):] + [v]))
            elif v not in state:
                visit(v, stack)
        stack.pop()
        state[u] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
print(f"module circles: {found}")
sys.exit(1 if found else 0)
