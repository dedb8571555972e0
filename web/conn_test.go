package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/carefinder/carefinder/web"
)

// countingListener counts the writes to the connections it accepts.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// rawExchange sends each request line as a GET or HEAD over one
// keep-alive connection to addr and returns the raw responses, without
// the headers that differ between two answers to the same request (Date,
// X-Request-Id).
func rawExchange(tb testing.TB, addr string, reqs []string) [][]byte {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	var out [][]byte
	for _, line := range reqs {
		if _, err := fmt.Fprintf(c, "%s HTTP/1.1\r\nHost: example.org\r\n\r\n", line); err != nil {
			tb.Fatal(err)
		}
		var raw bytes.Buffer
		res, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(line)[0]})
		if err != nil {
			tb.Fatalf("%s: %v", line, err)
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			tb.Fatalf("%s: %v", line, err)
		}
		res.Body.Close()
		res.Header.Del("Date")
		res.Header.Del("X-Request-Id")
		fmt.Fprintf(&raw, "%s\r\n", res.Status)
		res.Header.Write(&raw)
		fmt.Fprintf(&raw, "Content-Length: %d\r\n\r\n", res.ContentLength)
		raw.Write(body)
		out = append(out, raw.Bytes())
	}
	return out
}

// TestListenerOneWrite checks that a server on web.Listener answers
// exactly as one on a bare listener, keep-alive included, and sends each
// search answer in one write.
func TestListenerOneWrite(t *testing.T) {
	e := mustServer(t)
	var writes atomic.Int64
	srv := httptest.NewUnstartedServer(e.server.Handler())
	srv.Listener = web.Listener(countingListener{srv.Listener, &writes})
	srv.Config.ConnContext = web.ConnContext
	srv.Start()
	defer srv.Close()

	for _, tt := range []struct {
		name string
		reqs []string
		// writes is how many writes the answers take, all together; 0
		// does not check.
		writes int64
	}{
		{"search", []string{"GET /api/v1/search?near=37203&care=detox,inpatient&radius=any&limit=100"}, 1},
		{"geojson", []string{"GET /api/v1/search?near=37203&format=geojson&radius=any"}, 1},
		{"small", []string{"GET /api/v1/search?near=37203&care=detox&limit=1"}, 1},
		{"keep-alive", []string{
			"GET /api/v1/search?near=37203&radius=any&limit=100",
			"GET /api/v1/search?near=02134&lang=es",
			"HEAD /api/v1/search?near=37203&radius=any&limit=100",
			"GET /api/v1/search?near=37203&care=detx",
			"GET /api/v1/search?lat=36.16&lon=-86.78&radius=25mi&care=detox&payment=medicaid",
		}, 0},
		{"errors", []string{"GET /api/v1/search?near=99999", "GET /api/v1/search?carr=detox", "GET /nowhere"}, 0},
		{"page", []string{"GET /search?near=37203", "GET /healthz"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := rawExchange(t, e.srv.Listener.Addr().String(), tt.reqs)
			before := writes.Load()
			got := rawExchange(t, srv.Listener.Addr().String(), tt.reqs)
			n := writes.Load() - before
			for i := range tt.reqs {
				if !bytes.Equal(want[i], got[i]) {
					t.Errorf("%s: through web.Listener:\n%.2000s\nwant, as through a bare listener:\n%.2000s", tt.reqs[i], got[i], want[i])
				}
			}
			if tt.writes > 0 && n != tt.writes {
				t.Errorf("%d writes to the connection, want %d", n, tt.writes)
			}
		})
	}
}
