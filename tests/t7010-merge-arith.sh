#!/bin/bash
# pprof-merge at the int64 extremes: sums and weights that leave the int64
# range saturate at INT64_MAX/INT64_MIN (go tool pprof wraps around; C would
# be undefined), the sums are exact until written out (so the order of the
# inputs does not matter and a bad input is taken back out exactly), and a
# bad weight is a usage error named once, found before any input is read.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not found (make deps installs golang-1.23-go)"
have python3 || skip_all "python3 not found"

MAX=9223372036854775807
MIN=-9223372036854775808

# mk FILE COUNT CPU [LEAF]: a profile of one sample main.main -> LEAF.
mk() {
	echo "[[$2, $3], [\"main.main\", \"${4:-main.f}\"]]" |
	python3 "$PGOKIT_SRC/tests/mkprof.py" "$1"
}

# vals FILE: the samples' values and stacks as the real pprof reads them.
vals() {
	go tool pprof -raw -symbolize=none "$1" 2>/dev/null |
	python3 "$PGOKIT_SRC/tests/pprof-canon.py" -H |
	sed 's/ | *| / /; s/ x.go:2 s=1//g; s/ <- /;/g'
}

test_expect_success 'setup: profiles at the extremes' '
	mk max.pb 1 $MAX &&
	mk negmax.pb 1 -$MAX &&
	mk min.pb 1 $MIN &&
	mk three.pb 3 3 &&
	mk five.pb 1 5 &&
	mk near.pb 1 $((MAX - 5)) &&
	mk minus1.pb 1 -1 &&
	mk nearmin.pb 1 $((MIN + 1)) &&
	vals max.pb >v && echo "1 $MAX main.f;main.main" >expect && test_cmp expect v
'

test_expect_success 'sums that stay in range are exact at the edge (as go tool pprof)' '
	pprof-merge -z0 -o up.pb near.pb five.pb &&
	go tool pprof -proto near.pb five.pb >go-up.pb 2>/dev/null &&
	vals go-up.pb >expect && vals up.pb >actual && test_cmp expect actual &&
	echo "2 $MAX main.f;main.main" >expect && test_cmp expect actual &&
	pprof-merge -z0 -o down.pb nearmin.pb minus1.pb &&
	go tool pprof -proto nearmin.pb minus1.pb >go-down.pb 2>/dev/null &&
	vals go-down.pb >expect && vals down.pb >actual && test_cmp expect actual &&
	echo "2 $MIN main.f;main.main" >expect && test_cmp expect actual
'

test_expect_success 'a sum past INT64_MAX saturates (go tool pprof wraps to -2)' '
	pprof-merge -z0 -o sat.pb max.pb max.pb &&
	echo "2 $MAX main.f;main.main" >expect && vals sat.pb >actual && test_cmp expect actual &&
	go tool pprof -proto max.pb max.pb >go-sat.pb 2>/dev/null &&
	echo "2 -2 main.f;main.main" >expect && vals go-sat.pb >actual && test_cmp expect actual
'

test_expect_success 'a sum past INT64_MIN saturates' '
	pprof-merge -z0 -o satmin.pb min.pb min.pb minus1.pb &&
	echo "3 $MIN main.f;main.main" >expect && vals satmin.pb >actual && test_cmp expect actual
'

test_expect_success 'many samples summing past INT64_MAX, and back: exact until written' '
	pprof-merge -z0 -o a.pb max.pb max.pb max.pb negmax.pb negmax.pb &&
	pprof-merge -z0 -o b.pb negmax.pb max.pb max.pb negmax.pb max.pb &&
	echo "5 $MAX main.f;main.main" >expect &&
	vals a.pb >actual && test_cmp expect actual &&
	vals b.pb >actual && test_cmp expect actual &&
	pprof-merge -z0 -o c.pb max.pb max.pb negmax.pb negmax.pb five.pb &&
	echo "5 5 main.f;main.main" >expect && vals c.pb >actual && test_cmp expect actual
'

test_expect_success 'weight 1e19 saturates instead of giving INT64_MIN' '
	pprof-merge -z0 -o w.pb three.pb@1e19 &&
	echo "$MAX $MAX main.f;main.main" >expect && vals w.pb >actual && test_cmp expect actual &&
	pprof-merge -z0 -o wn.pb negmax.pb@1e19 &&
	echo "$MAX $MIN main.f;main.main" >expect && vals wn.pb >actual && test_cmp expect actual &&
	pprof-merge -z0 -o wm.pb min.pb@2 &&
	echo "2 $MIN main.f;main.main" >expect && vals wm.pb >actual && test_cmp expect actual &&
	pprof-merge -z0 -o wx.pb five.pb@1e300 &&
	echo "$MAX $MAX main.f;main.main" >expect && vals wx.pb >actual && test_cmp expect actual
'

test_expect_success 'weight 0 keeps no samples of that input' '
	pprof-merge -z0 -o z.pb max.pb@0 three.pb &&
	echo "3 3 main.f;main.main" >expect && vals z.pb >actual && test_cmp expect actual
'

test_expect_success 'a bad input after an overflow is taken back out exactly' '
	mk g.pb 1 $MAX main.g &&
	{ cat max.pb && printf "\022\007\012\001\143\022\002\001\001"; } >bad.pb &&
	pprof-merge -z0 -o u.pb g.pb max.pb bad.pb 2>err &&
	cat err && grep -q "bad.pb: .*missing location 99" err &&
	printf "%s\n" "1 $MAX main.f;main.main" "1 $MAX main.g;main.main" >expect &&
	vals u.pb | sort >actual && test_cmp expect actual
'

# bad_weight ARG REASON: a usage error naming ARG once, before any input
# is read (the missing file first on the line is not reported).
bad_weight() {
	test_expect_code 2 pprof-merge -o out.pb missing.pb three.pb "$1" 2>err &&
	cat err &&
	echo "pprof-merge: $1: bad weight: $2 (want a number >= 0)" >expect &&
	test_cmp expect err &&
	test_path_is_missing out.pb
}

test_path_is_missing() { test ! -e "$1"; }

test_expect_success 'weights that are not finite numbers >= 0 are usage errors' '
	bad_weight three.pb@abc "not a number" &&
	bad_weight three.pb@-1 "too small" &&
	bad_weight three.pb@nan "not a number" &&
	bad_weight three.pb@inf "too large" &&
	bad_weight three.pb@1e999 "too large" &&
	bad_weight missing.pb@abc "not a number" &&
	bad_weight three.pb@ "not a number"
'

test_expect_success 'a missing file is skipped with a warning, fatal under --strict' '
	pprof-merge -z0 -o m.pb missing.pb@2 three.pb@2 2>err &&
	grep -q "pprof-merge: missing.pb: No such file" err &&
	echo "6 6 main.f;main.main" >expect && vals m.pb >actual && test_cmp expect actual &&
	test_expect_code 2 pprof-merge --strict -o s.pb three.pb missing.pb@2 2>err &&
	grep -q "missing.pb: No such file" err &&
	test_path_is_missing s.pb
'

test_done
