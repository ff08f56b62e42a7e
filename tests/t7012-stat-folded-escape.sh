#!/bin/bash
# pprof-stat --folded with hostile function names: a ';' would split a frame
# in two and a newline would forge a stack line of its own (a flame graph of
# a stack that was never sampled). They are written as C escapes: "\x3b",
# "\n", "\xHH" for other control characters and "\\" for a backslash, so
# every line is one real stack and the names can be recovered.
. "$(dirname "$0")/lib.sh"

have python3 || skip_all "python3 not found"

test_expect_success 'setup: names with ; newline, CR, ESC, DEL and backslash' '
	cat >input.json <<-\EOF &&
	[[1, 5], ["main.main", "a;b"]]
	[[1, 7], ["main.main", "x\nmain.forged;main.secret 999999"]]
	[[1, 3], ["main.main", "c\r\u001b[2Jd\u007fe\\f"]]
	[[1, 2], ["main.main", "ok.(*T).M[...] with space"]]
	EOF
	python3 "$PGOKIT_SRC/tests/mkprof.py" evil.pb <input.json
'

test_expect_success '--folded escapes every character that could end a frame or line' '
	pprof-stat --folded -t cpu evil.pb >out &&
	cat -A out &&
	cat >expect <<-\EOF &&
	main.main;a\x3bb 5
	main.main;c\x0d\x1b[2Jd\x7fe\\f 3
	main.main;ok.(*T).M[...] with space 2
	main.main;x\nmain.forged\x3bmain.secret 999999 7
	EOF
	test_cmp expect out
'

test_expect_success 'each line is one stack of two frames, as flamegraph.pl splits it' '
	pprof-stat --folded -t cpu evil.pb >out &&
	test $(wc -l <out) -eq 4 &&
	awk "{ sub(/ [0-9]+\$/, \"\"); if (split(\$0, f, \";\") != 2) exit 1 }" out
'

test_expect_success 'the escapes can be undone into the names' '
	cat >unescape.py <<-\EOF &&
	import json, re, sys
	esc = re.compile(r"\\(x[0-9a-f]{2}|n|\\)")
	def undo(m):
	    e = m.group(1)
	    return "\n" if e == "n" else "\\" if e == "\\" else chr(int(e[1:], 16))
	for line in sys.stdin:
	    stack = line.rstrip("\n").rsplit(" ", 1)[0]
	    print(json.dumps(esc.sub(undo, stack.split(";")[1])))
	EOF
	cat >names.py <<-\EOF &&
	import json, sys
	for line in sys.stdin:
	    print(json.dumps(json.loads(line)[1][1]))
	EOF
	pprof-stat --folded -t cpu evil.pb | python3 unescape.py | sort >actual &&
	python3 names.py <input.json | sort >expect &&
	cat actual &&
	test_cmp expect actual
'

# The lines are written in a walk of the stack tree, not by sorting them:
# siblings whose escaped names are prefixes of each other ("a", "a.b",
# "a b", "a;c" escaped), with and without deeper frames, must still come
# out in byte order of their text, as LC_ALL=C sort orders it.
test_expect_success 'lines in byte order of their text, prefix names included' '
	cat >order.json <<-\EOF &&
	[[1, 1], ["a"]]
	[[1, 2], ["a", "z"]]
	[[1, 3], ["a.b"]]
	[[1, 4], ["a.b", "q"]]
	[[1, 5], ["a b"]]
	[[1, 6], ["a;c", "a"]]
	[[1, 7], ["a", "a"]]
	[[1, 8], ["a", ""]]
	[[1, 9], ["a\\", "x"]]
	[[1, 10], ["ab"]]
	[[1, 11], ["a", "z", "y"]]
	[[1, 12], ["a!"]]
	[[1, 13], ["a!", "b"]]
	EOF
	python3 "$PGOKIT_SRC/tests/mkprof.py" order.pb <order.json &&
	pprof-stat --folded -t cpu order.pb >out &&
	cat out &&
	test $(wc -l <out) -eq 13 &&
	sed "s/ [0-9]*\$//" out >text &&
	LC_ALL=C sort text >sorted && test_cmp sorted text
'

test_done
