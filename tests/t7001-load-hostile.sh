#!/bin/sh
# The one loader (lib/pprof/load.c) against hostile input: /dev/zero and
# other non-profiles refused at their first byte, a forged gzip ISIZE that
# allocates nothing, a profile compressed twice named as such, a bad
# PGOKIT_MAX_SIZE refused, empty gzip members read alike by every tool, and
# the stated memory bound (peak RSS <= 2 x the decompressed profile + 64 MB)
# on a profile of 10^6 distinct stacks.
. "$(dirname "$0")/lib.sh"

have genhostile || skip_all "genhostile not built"
genhostile -n 200 | gzip -1 >cpu.pprof || skip_all "genhostile failed"

# limited CMD...: run CMD with 256 MB of address space (not under ASan,
# which reserves far more than that up front).
limited() {
	if [ "${PGOKIT_SAN:-}" = 1 ]; then "$@"; else (ulimit -v 262144 && "$@"); fi
}

test_expect_success '/dev/zero: refused at its first byte, by every reader' '
	limited test_expect_code 2 pprof-stat --check /dev/zero >out 2>err &&
	test ! -s out && grep -q "^pprof-stat: /dev/zero: not a profile: .*first byte 0x00" err &&
	limited test_expect_code 2 pprof-stat </dev/zero 2>err &&
	grep -q "<stdin>: not a profile" err &&
	limited test_must_fail pprof-merge -o m.pprof - </dev/zero 2>err &&
	grep -q "<stdin>: not a profile" err && test ! -e m.pprof
'

test_expect_success 'pgo-build -p /dev/zero: refused before any reading' '
	limited test_expect_code 1 pgo-build -p /dev/zero -- -o x . 2>err &&
	grep -q "/dev/zero: .*first byte 0x00" err && test ! -e x
'

test_expect_success 'a forged gzip ISIZE allocates nothing: corrupt, not out of memory' '
	size=$(wc -c <cpu.pprof) &&
	head -c $((size - 4)) cpu.pprof >forged.pprof &&
	printf "\377\377\377\077" >>forged.pprof &&
	limited test_expect_code 2 pprof-stat --check forged.pprof 2>err &&
	grep -q "corrupt or truncated gzip" err && test_must_fail grep -q "memory" err
'

test_expect_success 'gzip inside gzip is named as such' '
	gzip -c cpu.pprof >twice.pprof &&
	test_expect_code 2 pprof-stat twice.pprof 2>err &&
	grep -q "twice.pprof: gzip inside gzip" err &&
	test_expect_code 2 pprof-stat --check <twice.pprof 2>err &&
	grep -q "<stdin>: gzip inside gzip" err &&
	pprof-merge -o m.pprof twice.pprof cpu.pprof 2>err &&
	grep -q "twice.pprof: gzip inside gzip" err
'

test_expect_success 'a bad PGOKIT_MAX_SIZE is a usage error naming the variable' '
	PGOKIT_MAX_SIZE=abc test_expect_code 2 pprof-stat cpu.pprof >out 2>err &&
	test ! -s out && grep -q "^pprof-stat: PGOKIT_MAX_SIZE: abc: not a size" err &&
	PGOKIT_MAX_SIZE=0 test_expect_code 2 pprof-merge -o m.pprof cpu.pprof 2>err &&
	grep -q "PGOKIT_MAX_SIZE: 0: too small" err &&
	PGOKIT_MAX_SIZE=1M pprof-stat cpu.pprof >/dev/null
'

test_expect_success 'an empty gzip member before a profile: read alike by stat and merge' '
	gzip -c </dev/null >empty.gz &&
	cat empty.gz cpu.pprof >lead.pprof && cat cpu.pprof empty.gz >trail.pprof &&
	pprof-stat cpu.pprof >want && pprof-merge -o want.pprof cpu.pprof &&
	for f in lead.pprof trail.pprof; do
		pprof-stat $f >got && test_cmp want got &&
		pprof-stat <$f >got && test_cmp want got &&
		pprof-stat --check $f >/dev/null &&
		pprof-merge -o got.pprof $f && cmp want.pprof got.pprof || return 1
	done
'

test_expect_success 'empty members only: one empty profile, as a single one is' '
	cat empty.gz empty.gz >empties.pprof &&
	pprof-stat --check empty.gz >want 2>&1; echo $? >>want &&
	sed "s/empty.gz/empties.pprof/" want >want2 &&
	pprof-stat --check empties.pprof >got 2>&1; echo $? >>got &&
	test_cmp want2 got
'

if [ -x /usr/bin/time ] && [ "${PGOKIT_SAN:-}" != 1 ]; then
	genhostile -n 1000000 | gzip -1 >stacks.pprof
	test_expect_success '10^6 distinct stacks: every report within 2 x its size + 64 MB' '
		raw=$(gzip -dc stacks.pprof | wc -c) &&
		bound=$((2 * raw / 1024 + 65536)) &&
		for m in "" --check --json --pgo; do
			kb=$(peak_kb pprof-stat $m stacks.pprof) &&
			say "pprof-stat $m: $kb kB (bound $bound kB)" &&
			test "$kb" -le "$bound" || return 1
		done
	'
	# pgo-build prepares before it runs go: a go that fails right away
	# leaves pgo-build'"'"'s own peak (the prepared file is its witness).
	test_expect_success '10^6 distinct stacks: pgo-build prepares within the same bound' '
		raw=$(gzip -dc stacks.pprof | wc -c) &&
		bound=$((2 * raw / 1024 + 65536)) &&
		test_expect_code 1 env GO=false /usr/bin/time -f "%M" -o peak \
			pgo-build -p stacks.pprof -o "$PWD/svc" -- . 2>err &&
		grep "prepared .*1000000 -> 1000 samples" err &&
		kb=$(tail -n 1 peak) && say "pgo-build: $kb kB (bound $bound kB)" &&
		test "$kb" -le "$bound"
	'
else
	test_skip '10^6 distinct stacks: every report within 2 x its size + 64 MB' \
		'needs /usr/bin/time, and not under ASan'
	test_skip '10^6 distinct stacks: pgo-build prepares within the same bound' \
		'needs /usr/bin/time, and not under ASan'
fi

# What PGO reads of a lean view is bounded too: a profile whose every
# sample is its own call edge is refused past the decode budget (an error,
# exit 2, not a verdict), with how many edges fit; reports that need no
# edges still serve it, and one with fewer edges is served.
test_expect_success 'a profile of 10^6 distinct call edges: PGO readers refuse it clearly' '
	genhostile -k pairs -n 1000000 | gzip -1 >pairs.pprof &&
	test_expect_code 2 pprof-stat --check pairs.pprof >out 2>err && test ! -s out &&
	grep "^pprof-stat: pairs.pprof: more than [0-9]* distinct call edges: past the [0-9]* MB of memory a decode may take" err &&
	test_expect_code 2 pprof-stat --pgo pairs.pprof >out 2>err &&
	grep "distinct call edges: past" err &&
	pprof-stat --json pairs.pprof >out && grep "distinct call edges: past" out &&
	test_expect_code 1 env GO=false pgo-build -p pairs.pprof -o "$PWD/svc" -- . 2>err &&
	grep "^pgo-build: pairs.pprof: more than [0-9]* distinct call edges" err &&
	test ! -e svc.pgo && test ! -e svc &&
	pprof-stat pairs.pprof >/dev/null &&
	genhostile -k pairs -n 100000 | gzip -1 >pairs5.pprof &&
	pprof-stat --pgo pairs5.pprof >out && grep "^Call edges: 100000," out &&
	grep "^  without labels.*100000 samples" out
'

# F25: --check answers 1 for "not usable"; running out of memory is an error.
if [ "${PGOKIT_SAN:-}" != 1 ]; then
	test_expect_success 'pprof-stat --check out of memory exits 2, not 1 ("no")' '
		genhostile -k locations -n 300000 | gzip -1 >locs.pprof &&
		test_expect_code 2 sh -c "ulimit -v 40000 && exec pprof-stat --check locs.pprof" >out 2>err &&
		grep "^pprof-stat: out of memory" err && test ! -s out
	'
else
	test_skip 'pprof-stat --check out of memory exits 2, not 1 ("no")' \
		'ulimit -v cannot be used under ASan (its shadow memory is reserved up front)'
fi

test_done
