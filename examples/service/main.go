// Command service is pgokit's example service: a small HTTP server whose
// handlers do real CPU work (an expression evaluator behind an interface,
// tokenizing and hashing, JSON), with net/http/pprof for CPU profiles. It is
// the demo's subject and the test suite's fixture.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"
)

var requests atomic.Int64

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (port 0 picks one)")
	addrFile := flag.String("addr-file", "", "write the listening address to this file")
	load := flag.Int("load", 0, "run this many load goroutines against the service itself")
	flag.Parse()

	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok %d\n", requests.Load())
	})
	http.HandleFunc("/eval", handleEval)
	http.HandleFunc("/words", handleWords)
	http.HandleFunc("/report", handleReport)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatal(err)
		}
	}
	for i := 0; i < *load; i++ {
		go selfLoad(ln.Addr().String(), i)
	}
	log.Fatal(http.Serve(ln, nil))
}

// selfLoad drives the handlers over loopback HTTP, as clients would.
func selfLoad(addr string, seed int) {
	paths := []string{"/eval?n=400", "/words?n=300", "/report?n=60"}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := seed; ; i++ {
		resp, err := client.Get("http://" + addr + paths[i%len(paths)])
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func intParam(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil && v > 0 && v < 1e6 {
		return v
	}
	return def
}

// labeled runs f under pprof labels, so profiles carry per-endpoint labels.
func labeled(r *http.Request, endpoint string, f func()) {
	requests.Add(1)
	pprof.Do(r.Context(), pprof.Labels("endpoint", endpoint), func(context.Context) { f() })
}

func handleEval(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 100)
	var sum float64
	labeled(r, "eval", func() { sum = EvalWorkload(n) })
	fmt.Fprintf(w, "%g\n", sum)
}

func handleWords(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 100)
	var h uint64
	labeled(r, "words", func() { h = WordsWorkload(n) })
	fmt.Fprintf(w, "%x\n", h)
}

func handleReport(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 20)
	var out []byte
	labeled(r, "report", func() { out = ReportWorkload(n) })
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

// ReportWorkload builds and encodes a JSON report of n records.
func ReportWorkload(n int) []byte {
	type rec struct {
		ID    int               `json:"id"`
		Name  string            `json:"name"`
		Score float64           `json:"score"`
		Tags  map[string]string `json:"tags"`
	}
	recs := make([]rec, n)
	for i := range recs {
		recs[i] = rec{ID: i, Name: "item-" + strconv.Itoa(i), Score: EvalWorkload(2),
			Tags: map[string]string{"k": strconv.Itoa(i % 7), "h": strconv.FormatUint(WordsWorkload(1), 16)}}
	}
	b, _ := json.Marshal(recs)
	return b
}
