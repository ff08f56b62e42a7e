#!/bin/sh
# --svg and --folded on a profile of 10^6 distinct stacks stay within the
# loader's stated bound (pprof/load.h: peak RSS <= D + 6 x D + 64 MB, D the
# decompressed profile): the stacks are a trie of small nodes, not a table
# of strings (which took 2.3 x the bound); --folded still lists every
# stack once, sorted, and the flame graph is whole.
. "$(dirname "$0")/lib.sh"

have genhostile || skip_all "genhostile not built"
genhostile -n 1000000 | gzip -1 >stacks.pprof || skip_all "genhostile failed"
raw=$(gzip -dc stacks.pprof | wc -c)

if [ -x /usr/bin/time ] && [ "${PGOKIT_SAN:-}" != 1 ]; then
	test_expect_success '10^6 stacks: --svg and --folded within D + 6 x D + 64 MB' '
		bound=$((7 * raw / 1024 + 65536)) &&
		for m in --svg --folded; do
			kb=$(peak_kb pprof-stat $m stacks.pprof) &&
			say "pprof-stat $m: $kb kB (bound $bound kB)" &&
			test "$kb" -le "$bound" || return 1
		done
	'
else
	test_skip '10^6 stacks: --svg and --folded within D + 6 x D + 64 MB' \
		'needs /usr/bin/time, and not under ASan'
fi

test_expect_success '--folded: every distinct stack once, values summed, sorted' '
	pprof-stat --folded stacks.pprof >folded &&
	test "$(wc -l <folded)" = 1000000 &&
	LC_ALL=C sort -c folded &&
	awk "{ s += \$NF } END { print s }" folded >sum && echo 1000000 >want &&
	test_cmp want sum
'

test_expect_success '--svg: a complete page whose root holds every sample' '
	pprof-stat --svg stacks.pprof >g.svg &&
	tail -n 1 g.svg | grep -q "^</svg>$" &&
	grep -q "data-n=\"all\"" g.svg
'

test_done
