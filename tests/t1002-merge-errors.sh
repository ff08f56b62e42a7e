#!/bin/bash
# Bad input to pprof-merge: every class of invalid profile is named with a
# clear reason, gives exit 1 when nothing valid is left, writes no output and
# leaves an existing -o target intact; a good input beside a bad one is
# merged with a warning unless --strict.
. "$(dirname "$0")/lib.sh"

# A tiny valid profile written byte by byte: one sample type samples/count,
# one function, one location, one sample with value 3.
# strings: "" "samples" "count" "main.f" "f.go"
valid_bytes() {
	printf '\x0a\x04\x08\x01\x10\x02'          # sample_type {type 1, unit 2}
	printf '\x12\x06\x0a\x01\x01\x12\x01\x03' # sample {location_id [1], value [3]}
	printf '\x22\x06\x08\x01\x22\x02\x08\x01' # location {id 1, line {function_id 1}}
	printf '\x2a\x06\x08\x01\x10\x03\x20\x04' # function {id 1, name 3, filename 4}
	printf '\x32\x00\x32\x07samples\x32\x05count\x32\x06main.f\x32\x04f.go'
}

test_expect_success 'setup: a hand-made valid profile is accepted' '
	valid_bytes >valid.pb &&
	pprof-merge -o out.pprof valid.pb &&
	test -s out.pprof &&
	echo precious >keep.pprof
'

# expect_bad NAME REASON: NAME is refused with REASON, nothing is written,
# and an existing -o target stays as it was.
expect_bad() {
	test_must_fail pprof-merge -o keep.pprof "$1" 2>err &&
	cat err &&
	grep -q "pprof-merge: $1: .*$2" err &&
	grep -q "no valid input" err &&
	test "$(cat keep.pprof)" = precious &&
	test -z "$(ls -A | grep "^\.keep\.pprof")"
}

test_expect_success 'truncated gzip' '
	valid_bytes | gzip -1 >full.pprof &&
	head -c 20 full.pprof >trunc.pprof &&
	expect_bad trunc.pprof "corrupt or truncated gzip"
'

test_expect_success 'bad varint' '
	printf "\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" >varint.pb &&
	expect_bad varint.pb "bad varint"
'

test_expect_success 'truncated field' '
	valid_bytes | head -c 12 >short.pb &&
	expect_bad short.pb "truncated"
'

test_expect_success 'string index out of range' '
	{ printf "\x0a\x04\x08\x09\x10\x02"; printf "\x32\x00\x32\x01a\x32\x01b"; } >stridx.pb &&
	expect_bad stridx.pb "string index 9 out of range"
'

test_expect_success 'string_table[0] not empty' '
	printf "\x32\x01x" >str0.pb &&
	expect_bad str0.pb "string_table\[0\] is not the empty string"
'

test_expect_success 'function id 0' '
	{ printf "\x2a\x02\x10\x01"; printf "\x32\x00\x32\x01f"; } >id0.pb &&
	expect_bad id0.pb "function #1 has id 0"
'

test_expect_success 'duplicate location id' '
	{ printf "\x22\x02\x08\x05\x22\x02\x08\x05"; printf "\x32\x00"; } >dup.pb &&
	expect_bad dup.pb "duplicate location id 5"
'

test_expect_success 'dangling location reference' '
	{ printf "\x12\x02\x0a\x01\x07"; printf "\x32\x00"; } | head -c 5 >/dev/null &&
	{ printf "\x12\x03\x0a\x01\x07"; printf "\x32\x00"; } >dangle.pb &&
	expect_bad dangle.pb "refers to missing location 7"
'

test_expect_success 'dangling function reference' '
	{ printf "\x22\x06\x08\x01\x22\x02\x08\x02"; printf "\x32\x00"; } >dfunc.pb &&
	expect_bad dfunc.pb "refers to missing function 2"
'

test_expect_success 'dangling mapping reference' '
	{ printf "\x22\x04\x08\x01\x10\x03"; printf "\x32\x00"; } >dmap.pb &&
	expect_bad dmap.pb "refers to missing mapping 3"
'

test_expect_success 'value count not matching the sample types' '
	{ printf "\x0a\x04\x08\x01\x10\x02"; printf "\x12\x00";
	  printf "\x32\x00\x32\x01a\x32\x01b"; } >nvals.pb &&
	expect_bad nvals.pb "has 0 values but the profile has 1 sample types"
'

test_expect_success 'text (an error page saved as a profile)' '
	printf "<html><body>404 page not found</body></html>\n" >html.pprof &&
	expect_bad html.pprof "looks like text"
'

test_expect_success 'empty file' '
	: >empty.pprof &&
	expect_bad empty.pprof "empty"
'

test_expect_success 'missing file and directory' '
	expect_bad nosuch.pprof "No such file" &&
	mkdir adir && expect_bad adir "directory"
'

test_expect_success 'gzip bomb: the decompressed-size cap is an error, not an OOM' '
	{ printf "\n\0" && head -c 20000000 /dev/zero; } | gzip -9 >bomb.pprof &&
	test "$(wc -c <bomb.pprof)" -lt 100000 &&
	test_must_fail pprof-merge --max-size 1M -o keep.pprof bomb.pprof 2>err &&
	grep -q "exceeds the limit of 1048576 bytes" err &&
	PGOKIT_MAX_SIZE=2M test_must_fail pprof-merge -o keep.pprof bomb.pprof 2>err &&
	grep -q "exceeds the limit of 2097152 bytes" err &&
	cat bomb.pprof | test_must_fail pprof-merge --max-size 1M -o keep.pprof 2>err &&
	grep -q "exceeds the limit" err &&
	head -c 20000000 /dev/zero | gzip -9 >zeros.pprof &&
	test_must_fail pprof-merge -o keep.pprof zeros.pprof 2>err &&
	grep -q "zeros.pprof: not a profile: .*first byte 0x00" err &&
	test "$(cat keep.pprof)" = precious
'

test_expect_success 'a bad input beside a good one: warned, skipped, merged' '
	pprof-merge -o out2.pprof html.pprof valid.pb 2>err &&
	grep -q "html.pprof: not a profile" err &&
	grep -q "merged 1 profile, skipped 1 bad input" err &&
	test -s out2.pprof
'

# Samples are merged as they are read and checked: a bad one late in an
# input must take back everything that input merged before it (late.raw is
# fleet-000 again, so its good samples all land on existing entries).
test_expect_success 'a bad sample after 500 good ones: that input skipped whole' '
	mkdir fleet && genfleet -n 3 -s 500 fleet &&
	gzip -dc fleet/fleet-000.pprof >late.raw &&
	printf "\x12\x0a\x08\xff\x93\xeb\xdc\x03\x10\x01\x10\x01" >>late.raw &&
	pprof-merge -o good.pprof fleet/fleet-000.pprof fleet/fleet-002.pprof &&
	pprof-merge -o mid.pprof fleet/fleet-000.pprof late.raw fleet/fleet-002.pprof 2>err &&
	grep -q "late.raw: sample 501 refers to missing location 999999999" err &&
	cmp good.pprof mid.pprof &&
	pprof-merge -o first.pprof late.raw fleet/fleet-000.pprof fleet/fleet-002.pprof 2>err &&
	grep -q "skipped 1 bad input" err &&
	cmp good.pprof first.pprof
'

# A sample whose values are all zero is dropped, but as in the decoder its
# locations must still exist.
test_expect_success 'an all-zero sample naming a missing location: input skipped' '
	gzip -dc fleet/fleet-000.pprof >zero.raw &&
	printf "\x12\x0a\x08\xff\x93\xeb\xdc\x03\x10\x00\x10\x00" >>zero.raw &&
	pprof-merge -o zero.pprof fleet/fleet-000.pprof zero.raw fleet/fleet-002.pprof 2>err &&
	grep -q "zero.raw: sample 501 refers to missing location 999999999" err &&
	cmp good.pprof zero.pprof
'

test_expect_success '--strict fails on the first bad input and writes nothing' '
	test_must_fail pprof-merge --strict -o keep.pprof valid.pb html.pprof 2>err &&
	grep -q "html.pprof" err &&
	test "$(cat keep.pprof)" = precious
'

test_expect_success 'a corrupt member in a stream on stdin is named' '
	{ cat full.pprof; cat trunc.pprof; } | pprof-merge -o out3.pprof 2>err &&
	grep -q "<stdin>: .*truncated" err && test -s out3.pprof
'

test_expect_success 'a write error fails the run (>/dev/full)' '
	test_must_fail pprof-merge -o - valid.pb >/dev/full 2>err &&
	grep -q "write" err
'

test_expect_success 'an unwritable -o directory fails and leaves nothing' '
	mkdir ro && chmod 555 ro &&
	if [ "$(id -u)" = 0 ]; then
		test_must_fail pprof-merge -o nodir/x.pprof valid.pb 2>err
	else
		test_must_fail pprof-merge -o ro/x.pprof valid.pb 2>err
	fi &&
	grep -q "pprof-merge: " err
'

test_expect_success 'usage errors exit 2; --help exits 0 on stdout' '
	test_expect_code 2 pprof-merge --bogus 2>err &&
	grep -q "^usage: pprof-merge" err &&
	test_expect_code 2 pprof-merge -z 13 valid.pb 2>err &&
	pprof-merge --help >out && grep -q "^usage: pprof-merge" out &&
	pprof-merge --version | grep -q "^pprof-merge pgokit "
'

test_expect_success 'bad weight' '
	test_must_fail pprof-merge -o x.pprof valid.pb@abc 2>err &&
	grep -q "bad weight" err
'

test_done
