#!/usr/bin/env python3
"""pprof-canon: print a profile as canonical data for comparing two profiles.

Reads `go tool pprof -raw` output (so the real pprof parses both sides) and
prints the header lines, then one line per distinct (stack, labels) with its
summed values, sorted. A stack is the list of frames, each location's lines
as (function, file, line); mappings and ids are left out, since a merge may
number them differently.
"""
import re
import sys


def main():
    text = sys.stdin.read().splitlines()
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
                header.append("types: " + ln.strip())
        elif section == "locations":
            m = re.match(r"^\s*(\d+): (0x[0-9a-f]+) (.*)$", ln)
            if m:
                cur_loc = m.group(1)
                locs[cur_loc] = [frame(m.group(3))]
            elif cur_loc and ln.strip():
                locs[cur_loc].append(frame(ln.strip()))
    agg = {}
    for vals, ids, labels in samples:
        stack = " <- ".join("|".join(locs.get(i, ["?"])) for i in ids)
        key = (" ".join(sorted(labels)), stack)
        if key in agg:
            agg[key] = tuple(a + b for a, b in zip(agg[key], vals))
        else:
            agg[key] = vals
    for h in header:
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
