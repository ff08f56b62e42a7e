package main

import "testing"

// BenchmarkWorkload is the service's own benchmark: the mix of requests the
// load generator sends, without HTTP. The demo and `make bench` time it
// without PGO and with the profile.
func BenchmarkWorkload(b *testing.B) {
	for i := 0; i < b.N; i++ {
		EvalWorkload(400)
		WordsWorkload(300)
		ReportWorkload(60)
	}
}

func TestWorkloadsDeterministic(t *testing.T) {
	if EvalWorkload(10) != EvalWorkload(10) || WordsWorkload(3) != WordsWorkload(3) {
		t.Fatal("workloads are not deterministic")
	}
}
