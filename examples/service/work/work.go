// Package work is the example service's hot code, kept out of package main
// so that the service's profile (which names example.com/pgokit-service/work.X)
// and the benchmark of this package compile the same symbols. It has three
// independent parts: two on which PGO acts and one on which it cannot.
package work

import (
	"encoding/json"
	"math"
	"strconv"
)

// Checksummer folds bytes into a 64-bit checksum.
type Checksummer interface {
	Update(h uint64, b byte) uint64
}

// FNV is FNV-1a: the checksum 95% of the blocks use.
type FNV struct{}

// Mix is a multiply-xorshift step: the other 5%.
type Mix struct{}

func (FNV) Update(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * 1099511628211
}

func (Mix) Update(h uint64, b byte) uint64 {
	h = (h + uint64(b)) * 0x9e3779b97f4a7c15
	return h ^ h>>31
}

// checksum runs one block through c: the interface call site that PGO
// devirtualizes (the profile says c is nearly always FNV) and then inlines.
// noinline: the profile names this call site as checksum's, and a caller
// that inlined checksum would get its body as it was before PGO acted, with
// the call still indirect (seen in Go 1.23's output: the devirtualized
// checksum dead, Checksums calling through the itab).
//
//go:noinline
func checksum(c Checksummer, data []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range data {
		h = c.Update(h, b)
	}
	return h
}

// blockData is what the checksums read: 4 KiB of deterministic bytes.
var blockData = func() []byte {
	d := make([]byte, 4096)
	x := uint32(7)
	for i := range d {
		x = x*1664525 + 1013904223
		d[i] = byte(x >> 24)
	}
	return d
}()

// checksummers: which checksum each block uses, 19 of 20 FNV.
var checksummers = func() []Checksummer {
	cs := make([]Checksummer, 20)
	for i := range cs {
		cs[i] = FNV{}
	}
	cs[7] = Mix{}
	return cs
}()

// Checksums sums n blocks, each with its own checksum (95% FNV). PGO acts
// here by devirtualizing c.Update in checksum.
func Checksums(n int) uint64 {
	var acc uint64
	for i := 0; i < n; i++ {
		acc ^= checksum(checksummers[i%len(checksummers)], blockData[i%64:])
	}
	return acc
}

// Stats summarizes a window of measurements.
type Stats struct {
	N                     int
	Min, Max, Mean, Stdev float64
}

// summarize is above the inliner's budget of 80 (it is about 150), so
// without a profile it is a real call and its result escapes to the heap:
// one allocation per window. Inlined at a hot call site (PGO raises the
// budget there to 2000), the Stats stays on the caller's stack.
func summarize(xs []float64) *Stats {
	s := &Stats{N: len(xs), Min: math.Inf(1), Max: math.Inf(-1)}
	if len(xs) == 0 {
		return s
	}
	var sum, sumsq float64
	for _, x := range xs {
		if x < s.Min {
			s.Min = x
		}
		if x > s.Max {
			s.Max = x
		}
		sum += x
		sumsq += x * x
	}
	s.Mean = sum / float64(len(xs))
	if v := sumsq/float64(len(xs)) - s.Mean*s.Mean; v > 0 {
		s.Stdev = math.Sqrt(v)
	}
	return s
}

// series is what Windows summarizes: 4096 deterministic measurements.
var series = func() []float64 {
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = math.Sin(float64(i)*0.1)*100 + float64(i%17)
	}
	return xs
}()

// Windows summarizes n sliding windows of 8 measurements and folds the
// results. PGO acts here by inlining summarize, which removes the heap
// allocation of its *Stats. noinline: the service's handler would inline
// Windows, and there the call to summarize is no longer the profile's hot
// call site (which is Windows's), so the handler would keep the allocation.
//
//go:noinline
func Windows(n int) float64 {
	var acc float64
	for i := 0; i < n; i++ {
		j := i % (len(series) - 8)
		st := summarize(series[j : j+8])
		acc += st.Mean + st.Stdev + (st.Max-st.Min)*0.5
	}
	return acc
}

// Record is one row of a report.
type Record struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Score float64           `json:"score"`
	Tags  map[string]string `json:"tags"`
}

// reportRecords: the rows Report encodes, built once.
var reportRecords = func() []Record {
	recs := make([]Record, 256)
	for i := range recs {
		recs[i] = Record{ID: i, Name: "item-" + strconv.Itoa(i), Score: float64(i) * 1.25,
			Tags: map[string]string{"k": strconv.Itoa(i % 7), "zone": "eu-" + strconv.Itoa(i%3)}}
	}
	return recs
}()

// Report encodes the first n records (up to 256) as JSON. PGO cannot help
// much here: encoding/json works by reflection and its hot paths are
// already compiled well without a profile.
func Report(n int) []byte {
	if n > len(reportRecords) {
		n = len(reportRecords)
	}
	b, err := json.Marshal(reportRecords[:n])
	if err != nil {
		panic(err)
	}
	return b
}
