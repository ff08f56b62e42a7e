#!/usr/bin/env python3
"""pprof-canon: print a profile as canonical data for comparing two profiles.

Reads `go tool pprof -raw` output (so the real pprof parses both sides) and
prints the header lines, then one line per distinct (stack, labels) with its
summed values, sorted. A stack is the list of frames, each location's lines
as (function, file, line); mappings and ids are left out, since a merge may
number them differently.
"""
import argparse
import re
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-L", action="store_true", help="ignore labels")
    ap.add_argument("-t", help="print only the sample type named so (e.g. cpu)")
    ap.add_argument("-H", action="store_true", help="print no header lines")
    args = ap.parse_args()
    text = sys.stdin.read().splitlines()
    types = []
    header, samples, locs = [], [], {}
    section = "header"
    cur_loc = None
    for ln in text:
        if ln == "Samples:":
            section = "samples"
            continue
        if ln == "Locations":
            section = "locations"
            continue
        if ln == "Mappings":
            section = "mappings"
            continue
        if section == "header":
            if not ln.startswith("Time:"):
                header.append(ln)
        elif section == "samples":
            m = re.match(r"^\s*(-?\d+(?:\s+-?\d+)*):\s*(.*)$", ln)
            if m:
                vals = tuple(int(v) for v in m.group(1).split())
                ids = tuple(m.group(2).split())
                samples.append([vals, ids, []])
            elif samples and ln.strip():
                samples[-1][2].append(ln.strip())
            elif ln.strip():
                types = [t.split("/")[0] for t in ln.split()]
                header.append("types: " + ln.strip())
        elif section == "locations":
            m = re.match(r"^\s*(\d+): (0x[0-9a-f]+) (.*)$", ln)
            if m:
                cur_loc = m.group(1)
                locs[cur_loc] = [frame(m.group(3))]
            elif cur_loc and ln.strip():
                locs[cur_loc].append(frame(ln.strip()))
    agg = {}
    col = None
    if args.t:
        col = types.index(args.t)
        header = [h for h in header if not h.startswith("types:")]
    for vals, ids, labels in samples:
        if col is not None:
            vals = (vals[col],)
        if args.L:
            labels = []
        stack = " <- ".join("|".join(locs.get(i, ["?"])) for i in ids)
        key = (" ".join(sorted(labels)), stack)
        if key in agg:
            agg[key] = tuple(a + b for a, b in zip(agg[key], vals))
        else:
            agg[key] = vals
    for h in [] if args.H else header:
        print(h)
    for (labels, stack), vals in sorted(agg.items()):
        if any(vals):
            print(" ".join(str(v) for v in vals), "|", labels, "|", stack)


def frame(s):
    # "M=1 [F] main.f /x.go:12:0 s=10" -> "main.f /x.go:12"
    s = re.sub(r"^M=\d+ ", "", s)
    folded = s.startswith("[F] ")
    s = s[4:] if folded else s
    m = re.match(r"^(.*) (\S*):(-?\d+):(-?\d+) s=(-?\d+)", s)
    if not m:
        return s
    return "%s %s:%s s=%s%s" % (m.group(1), m.group(2), m.group(3), m.group(5), " [F]" if folded else "")


if __name__ == "__main__":
    main()
