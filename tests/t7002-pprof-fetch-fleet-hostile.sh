#!/bin/bash
# One hostile target in a fleet fetch (issue 15, F2): real example services
# beside a static server whose answers are a profile of 10^7 distinct
# stacks and a gzip bomb (1 GiB of zeros, refused at its first byte, not
# inflated whole). The bomb is dropped with a warning naming its target;
# the profile of 10^7 stacks is checked in its lean view and served; the
# services' profiles are fetched and merged; the exit status is the
# partial failure's (1, or 0 with --min-ok); and the run's peak RSS stays
# within the loader's bound (pprof/load.h: the largest profile read, D,
# plus its decode budget, 6 x D + 64 MB).
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
have genhostile || skip_all "genhostile not built"
addrs=
for i in 1 2; do
	start_service || skip_all "cannot start the example service"
	addrs="$addrs $SERVICE_ADDR"
done

mkdir www &&
genhostile -k stacks -n 10000000 | gzip -1 >www/stacks.pprof &&
head -c 1G /dev/zero | gzip -1 >www/bomb.pprof || skip_all "cannot write the hostile files"
raw=$(gzip -dc www/stacks.pprof | wc -c)
port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory www "$port" >www.log 2>&1 &
test_atexit "kill $!"
wait_http "http://127.0.0.1:$port/" || skip_all "the static server did not start"
stacks=http://127.0.0.1:$port/stacks.pprof
bomb=http://127.0.0.1:$port/bomb.pprof

test_expect_success 'the bomb dropped by name, the rest fetched, exit 1' '
	test_expect_code 1 pprof-fetch -s 1 -r 0 -T 120 $addrs "$stacks" "$bomb" >stream 2>err &&
	cat err &&
	grep -q "^pprof-fetch: $bomb: not a profile: neither gzip nor protobuf" err &&
	test_must_fail grep -q "^pprof-fetch: $stacks: " err &&
	grep -q "3 of 4 targets ok, 1 failed" err &&
	test "$(gzip -dc stream | head -c 1 | wc -c)" = 1
'

test_expect_success '--min-ok 3: exit 0, the 10^7 stacks served as is, the services merged' '
	/usr/bin/time -f %M -o peak pprof-fetch -s 1 -r 0 -T 120 --min-ok 3 -d dir \
		$addrs "$stacks" "$bomb" 2>err &&
	cat err && grep -q "^pprof-fetch: $bomb: " err &&
	ls dir >files && test "$(wc -l <files)" = 3 &&
	cmp www/stacks.pprof "dir/$(grep "_$port-" files)" &&
	pprof-merge -v -o services.pb.gz $(grep -v "_$port-" files | sed "s|^|dir/|") 2>err &&
	cat err && grep -q "merged 2 profiles" err &&
	go tool pprof -raw services.pb.gz >raw.txt && grep -q "^Samples:" raw.txt &&
	pprof-stat --check services.pb.gz
'

if [ "${PGOKIT_SAN:-}" != 1 ] && [ -x /usr/bin/time ]; then
	test_expect_success 'peak RSS within D + 6 x D + 64 MB of the largest answer' '
		bound=$(( (7 * raw) / 1024 + 65536 )) && kb=$(cat peak) &&
		say "pprof-fetch: $kb kB, bound $bound kB (D = $raw bytes)" &&
		test "$kb" -le "$bound"
	'
else
	test_skip 'peak RSS within D + 6 x D + 64 MB of the largest answer' \
		'not measured under ASan (its shadow memory is not the tool'"'"'s)'
fi

test_done
