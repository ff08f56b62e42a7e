#!/bin/bash
# pprof-stat at the int64 extremes: top, --folded and --pgo sum one
# profile's samples with saturating adds, so sums past INT64_MAX stick there
# instead of wrapping negative (go tool pprof wraps; C would be undefined),
# and INT64_MIN values are shown, not negated into nonsense.
. "$(dirname "$0")/lib.sh"

have python3 || skip_all "python3 not found"

MAX=9223372036854775807
MIN=-9223372036854775808
HALF=4611686018427387904

# mk FILE LEAF CPU [LEAF CPU ...]: one sample main.main -> LEAF per pair.
mk() {
	out=$1; shift
	while [ $# -gt 0 ]; do
		echo "[[1, $2], [\"main.main\", \"$1\"]]"
		shift 2
	done | python3 "$PGOKIT_SRC/tests/mkprof.py" "$out"
}

test_expect_success 'setup' '
	mk big.pb main.f $MAX main.g $MAX main.g $MAX &&
	mk min.pb main.f $MIN main.g $MIN main.h 7 &&
	mk hot.pb main.f $HALF main.g $HALF main.h $HALF
'

test_expect_success '--folded: a stack summing past INT64_MAX saturates' '
	pprof-stat --folded -t cpu big.pb >out &&
	printf "%s\n" "main.main;main.f $MAX" "main.main;main.g $MAX" >expect &&
	test_cmp expect out
'

test_expect_success 'top: node sums past INT64_MAX saturate' '
	pprof-stat -t cpu big.pb >out &&
	cat out &&
	grep -q "^Showing nodes accounting for 2562047.79hrs, 100% of 2562047.79hrs total$" out &&
	grep -q "^2562047.79hrs   100%   100% 2562047.79hrs   100%  main.g$" out &&
	grep -q "^2562047.79hrs   100%   100% 2562047.79hrs   100%  main.f$" out &&
	test_must_fail grep -e "-[0-9]" out
'

test_expect_success 'top: INT64_MIN values count as INT64_MAX in the total' '
	pprof-stat -t cpu min.pb >out &&
	cat out &&
	grep -q "100% of 2562047.79hrs total$" out &&
	grep -q "^-2562047.79hrs   100%   100% -2562047.79hrs   100%  main.f$" out
'

test_expect_success '--pgo: edge weights and their sums saturate' '
	pprof-stat --pgo -t cpu big.pb >out &&
	cat out &&
	grep -q "^Call edges: 2, total weight $MAX$" out &&
	grep -q "^$MAX  100.00%  100.00%       1  main.main -> main.f$" out &&
	pprof-stat --pgo -t cpu hot.pb >out &&
	cat out &&
	grep -q "^Call edges: 3, total weight $MAX$" out &&
	grep -q "^Hot edges: 2 (100.00% of weight) .* has 50% of the weight$" out &&
	grep -q "^$HALF   50.00%  100.00%       1  main.main -> main.g$" out
'

test_done
