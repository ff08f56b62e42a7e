#!/bin/bash
# The house's include rules (ARCHITECTURE.md, checked by tests/layers.py):
# floors, the only folders that may include curl, zlib and libdeflate, no lib
# file including tools, no include cycles. The checker is also shown to fail
# on copies of the tree with one violation each.
. "$(dirname "$0")/lib.sh"

have python3 || skip_all 'python3 not installed'
LAYERS=$PGOKIT_SRC/tests/layers.py

test_expect_success 'lib/ and tools/ keep the include rules' '
	python3 "$LAYERS" "$PGOKIT_SRC" >out || { cat out; false; }
'
test_expect_success 'ls lib shows the eight concern folders, and no loose file' '
	ls "$PGOKIT_SRC/lib" >got &&
	printf "%s\n" codec net oci pgo pprof report sbom util >want && test_cmp want got
'

# violate FILE LINE: a copy of lib/ and tools/ with LINE added to FILE.
violate() {
	rm -rf tree && mkdir tree && cp -R "$PGOKIT_SRC/lib" "$PGOKIT_SRC/tools" tree/ &&
	printf "%s\n" "$2" >>"tree/$1"
}
test_expect_success 'the checker fails when lib/report includes lib/net' '
	violate lib/report/top.c "#include \"net/http.h\"" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "lib/report may not include net/http.h" out
'
test_expect_success 'the checker fails on curl outside lib/net, zlib outside lib/codec' '
	violate lib/util/err.c "#include <curl/curl.h>" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "curl/curl.h is included only in lib/net" out &&
	violate tools/pprof-merge/pprof-merge.c "#include <zlib.h>" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "zlib.h is included only in lib/codec" out
'
test_expect_success 'the checker fails when lib includes tools or a lower floor looks up' '
	violate lib/oci/tar.c "#include \"run.h\"" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "includes name a lib folder" out &&
	violate lib/codec/gzip.c "#include \"pprof/profile.h\"" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "lib/codec may not include pprof/profile.h" out &&
	violate lib/oci/tar.c "#include \"report/top.h\"" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "lib/oci may not include report/top.h" out
'
test_expect_success 'the checker fails when lib/oci includes lib/sbom or sbom includes oci' '
	violate lib/oci/referrer.c "#include \"sbom/spdx.h\"" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "lib/oci may not include sbom/spdx.h" out &&
	violate lib/sbom/spdx.c "#include \"oci/image.h\"" &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "lib/sbom may not include oci/image.h" out
'
test_expect_success 'the checker fails on an include cycle' '
	violate lib/util/arena.c "#include \"util/htab.h\"" &&
	printf "%s\n" "#include \"util/arena.h\"" >>tree/lib/util/htab.c &&
	test_must_fail python3 "$LAYERS" tree >out && grep -q "include cycle: " out
'
test_done
