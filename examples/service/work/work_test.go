package work

import "testing"

// One benchmark per part, so a PGO build's effect shows per part: the
// demo and `make bench` time these without and with the service's profile.

func BenchmarkDevirt(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Checksums(40)
	}
}

func BenchmarkInline(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Windows(2000)
	}
}

func BenchmarkJSON(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Report(64)
	}
}

func TestDeterministic(t *testing.T) {
	if Checksums(30) != Checksums(30) || Windows(100) != Windows(100) ||
		string(Report(3)) != string(Report(3)) {
		t.Fatal("the workloads are not deterministic")
	}
	if Checksums(1) == Checksums(8) {
		t.Fatal("the checksums do not depend on the block")
	}
}
