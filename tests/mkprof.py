#!/usr/bin/env python3
"""mkprof: write a raw pprof profile with exactly the values a test names.

Reads one JSON array per line from stdin: [[count, cpu], ["root", ..., "leaf"]]
and writes a profile (uncompressed protobuf) to the file named by the one
argument: sample types samples/count and cpu/nanoseconds, one function and
one location per distinct name (start_line 1, line 2, file "x.go"), period
cpu/nanoseconds 10000000. No program produces samples near INT64_MAX or
names with ';' or newlines, so the tests write them by hand.
"""
import json
import sys


def varint(v):
    v &= (1 << 64) - 1    # int64 as two's complement, as protobuf does
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):
    """a length-delimited field"""
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def vfield(num, v):
    return varint(num << 3) + varint(v)


def main():
    strings = [""]
    index = {"": 0}

    def s(x):
        if x not in index:
            index[x] = len(strings)
            strings.append(x)
        return index[x]

    funcs = {}
    out = bytearray()
    for unit in (("samples", "count"), ("cpu", "nanoseconds")):
        out += field(1, vfield(1, s(unit[0])) + vfield(2, s(unit[1])))
    samples = []
    for line in sys.stdin:
        if not line.strip():
            continue
        values, stack = json.loads(line)
        ids = []
        for name in reversed(stack):    # leaf first in a profile
            if name not in funcs:
                funcs[name] = len(funcs) + 1
            ids.append(funcs[name])
        samples.append((ids, values))
    for ids, values in samples:
        out += field(2, field(1, b"".join(varint(i) for i in ids)) +
                     field(2, b"".join(varint(v) for v in values)))
    filename = s("x.go")
    for name, i in funcs.items():
        out += field(4, vfield(1, i) + vfield(3, 0x1000 + i) +
                     field(4, vfield(1, i) + vfield(2, 2)))
        out += field(5, vfield(1, i) + vfield(2, s(name)) + vfield(3, s(name)) +
                     vfield(4, filename) + vfield(5, 1))
    period = field(11, vfield(1, s("cpu")) + vfield(2, s("nanoseconds")))
    for x in strings:
        out += field(6, x.encode())
    out += period + vfield(12, 10000000)
    with open(sys.argv[1], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
