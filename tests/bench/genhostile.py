#!/usr/bin/env python3
"""genhostile.py N: write on stdout a raw CPU profile of N samples with N
distinct stacks of depth 3 over 3000 locations (each location id one
base-1000 digit of the sample's number), the same bytes as
tests/helpers/genhostile -k stacks -n N; bench-hostile.sh uses this only
when that helper is not built. Written block by block: the middle
location id always takes two bytes, so a block of 1000 samples is a
template (one per high id) whose middle ids are patched in."""
import sys


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field(f, body):
    return varint(f << 3 | 2) + varint(len(body)) + body


def sample(ids):
    packed = b"".join(varint(i) for i in ids)
    return field(2, bytes([1 << 3 | 2]) + varint(len(packed)) + packed + bytes([2 << 3, 1]))


def location(i, name):
    line = bytes([1 << 3]) + varint(i) + bytes([2 << 3]) + varint(1 + i % 1000)
    loc = (bytes([1 << 3]) + varint(i) + bytes([3 << 3]) + varint(0x400000 + i * 16) +
           bytes([4 << 3 | 2, len(line)]) + line)
    fn = bytes([1 << 3]) + varint(i) + bytes([2 << 3]) + varint(name) + bytes([5 << 3, 1])
    return field(4, loc) + field(5, fn)


def main():
    n = int(sys.argv[1])
    out = sys.stdout.buffer
    head = b"".join(field(6, s) for s in (b"", b"samples", b"count", b"cpu", b"nanoseconds"))
    head += field(1, bytes([1 << 3, 1, 2 << 3, 2])) + field(11, bytes([1 << 3, 3, 2 << 3, 4]))
    head += bytes([12 << 3, 100])
    out.write(head)
    for i in range(3000):
        out.write(field(6, b"main.f%d" % (i + 1)) + location(i + 1, i + 5))
    # Marker: the two-byte varint of an id no sample uses (4002).
    mm = varint(4002)
    tmpl, thi = None, None
    i = 0
    while i + 1000 <= n:
        hi, mid = 1 + i // 1000000 % 1000, 1001 + i // 1000 % 1000
        if hi != thi:
            tmpl = b"".join(sample([hi, 4002, 2001 + lo]) for lo in range(1000))
            thi = hi
        out.write(tmpl.replace(mm, varint(mid)))
        i += 1000
    while i < n:
        out.write(sample([1 + i // 1000000 % 1000, 1001 + i // 1000 % 1000, 2001 + i % 1000]))
        i += 1
    out.flush()


main()
