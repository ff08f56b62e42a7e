package main

// The hostile targets of issue 15: answers that never end, error bodies
// that never end, and messages that try to forge log lines or drive the
// terminal.
//
//	/endless?key=K&status=S&ctype=T   status S (default 200), body without end
//	                                 until the client leaves; bytes sent kept under K
//	/sent?key=K                      how many bytes /endless sent for K
//	/jsonesc                         400 application/json, a Connect error whose
//	                                 message holds a newline, a forged line and ANSI escapes
//	/textesc                         503 text/plain with an OSC title escape and a bell

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

var (
	sentMu sync.Mutex
	sent   = map[string]int64{}
)

func endless(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	status := intParam(r, "status", 200)
	ctype := r.URL.Query().Get("ctype")
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = 'x'
	}
	for {
		n, err := w.Write(chunk)
		sentMu.Lock()
		sent[key] += int64(n)
		sentMu.Unlock()
		if err != nil {
			return
		}
	}
}

// hostile serves the paths above; false for any other path.
func hostile(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/endless":
		endless(w, r)
	case "/sent":
		sentMu.Lock()
		n := sent[r.URL.Query().Get("key")]
		sentMu.Unlock()
		fmt.Fprintln(w, strconv.FormatInt(n, 10))
	case "/jsonesc":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"code":"invalid_argument","message":"bad query\npprof-fetch: 10.0.0.9:6060: ok\u001b[2J\u001b[31mred"}`)
	case "/textesc":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "\x1b]0;owned\x07down for maintenance\n")
	default:
		return false
	}
	return true
}
