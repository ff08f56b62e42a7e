#!/usr/bin/env python3
"""layers.py ROOT: check the include rules of ARCHITECTURE.md on ROOT's lib/
and tools/, print one line per violation, exit 1 if there is any.

Floors, top to bottom: tools -> {oci, report} -> {net, pgo} -> pprof ->
codec -> util. A lib folder includes itself and the folders ALLOWED names,
never tools: reports never do HTTP (report sees pgo, not net) and the
registry knows nothing of profiles (oci sees net, not pprof or pgo); sbom
reads Go binaries and writes SPDX, beside oci, never including it (the tool
wires the two). Only lib/net includes curl/curl.h; only lib/codec
includes zlib.h or libdeflate.h. Includes name the folder, and no two
files include each other, directly or around a longer circle."""
import os
import re
import sys

ALLOWED = {
    "util": set(),
    "codec": {"util"},
    "pprof": {"codec", "util"},
    "net": {"pprof", "codec", "util"},
    "pgo": {"pprof", "codec", "util"},
    "report": {"pgo", "pprof", "codec", "util"},
    "oci": {"net", "codec", "util"},
    "sbom": {"codec", "util"},
}
ONLY = {"curl/curl.h": "net", "zlib.h": "codec", "libdeflate.h": "codec"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def sources(root):
    for top in ("lib", "tools"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")) and ".pb-c." not in f:
                    yield os.path.relpath(os.path.join(d, f), root)


def module(path):
    """lib/pgo/check.c and lib/pgo/check.h are one node of the graph."""
    return os.path.splitext(path)[0]


def check(root):
    bad = []
    graph = {}
    for path in sources(root):
        parts = path.split(os.sep)
        where = parts[1] if parts[0] == "lib" else "tools"
        with open(os.path.join(root, path), encoding="utf-8") as f:
            lines = f.readlines()
        for n, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            at = "%s:%d: " % (path, n)
            if name in ONLY and where != ONLY[name]:
                bad.append(at + "%s is included only in lib/%s" % (name, ONLY[name]))
            if kind == "<":
                continue
            if parts[0] == "tools" and "/" not in name:
                target = os.path.join(os.path.dirname(path), name)
            elif name.startswith("pprof/profile.pb-c"):
                continue
            else:
                folder = name.split("/")[0]
                if folder not in ALLOWED or name.count("/") != 1:
                    bad.append(at + '"%s": includes name a lib folder' % name)
                    continue
                if where != "tools":
                    if where != folder and folder not in ALLOWED[where]:
                        bad.append(at + "lib/%s may not include %s" % (where, name))
                target = os.path.join("lib", name)
            if not os.path.exists(os.path.join(root, target)):
                bad.append(at + '"%s" not found' % name)
                continue
            a, b = module(path), module(target)
            if a != b:
                graph.setdefault(a, set()).add(b)
    bad += cycles(graph)
    return bad


def cycles(graph):
    """Every circle of includes between files, found by depth-first search."""
    found, state, stack = [], {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                found.append("include cycle: " + " -> ".join(stack[stack.index(v):] + [v]))
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            visit(u)
    return found


if __name__ == "__main__":
    problems = check(sys.argv[1] if len(sys.argv) > 1 else ".")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
