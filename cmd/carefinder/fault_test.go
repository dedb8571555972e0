package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/storetest"
	"github.com/carefinder/carefinder/search"
)

// asCareFinder is set in the environment of processes this test binary
// starts to act as the carefinder command (see TestMain).
const asCareFinder = "CAREFINDER_TEST_AS_MAIN"

// TestMain lets this test binary stand in for carefinder in the crash
// tests, which kill it with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv(asCareFinder) == "1" {
		ctx := context.Background()
		os.Exit(run(ctx, os.Args[1:], env{os.Stdin, os.Stdout, os.Stderr, os.Getenv}))
	}
	os.Exit(m.Run())
}

// proxy is a TCP proxy in front of PostgreSQL that a test can cut and
// restore, as a network outage or a database restart would.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func startProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	p := &proxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	tb.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection: the database is gone.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address.
func (p *proxy) restore(tb testing.TB) {
	tb.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger a moment
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		tb.Fatal(err)
	}
	p.serve(ln)
}

// TestServeThroughPostgresOutage serves from PostgreSQL, then takes the
// database away: searches go on from the index, /readyz stays 200 and
// says the store is unreachable, a facility is served from the index's
// summary; when the database is back, all is as before.
func TestServeThroughPostgresOutage(t *testing.T) {
	dsn := os.Getenv("CAREFINDER_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("needs PostgreSQL: set CAREFINDER_TEST_POSTGRES")
	}
	schemaDSN, err := url.Parse(storetest.SchemaDSN(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, schemaDSN.Host)
	schemaDSN.Host = px.addr
	q := schemaDSN.Query()
	q.Set("connect_timeout", "2")
	schemaDSN.RawQuery = q.Encode()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := ServeConfig{Addr: "127.0.0.1:0", DemoSize: 300, SyncInterval: 50 * time.Millisecond, AccessLog: "off"}
	cfg.data, cfg.database = t.TempDir(), schemaDSN.String()
	base, errc := startServe(t, ctx, cfg)
	get := func(path string, v any) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if v != nil {
			json.Unmarshal(b, v)
		}
		return resp, b
	}
	type ready struct {
		Status   string   `json:"status"`
		Problems []string `json:"problems"`
	}
	type answer struct {
		Total   int `json:"total"`
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	var before answer
	if resp, b := get("/api/v1/search?near=37203&radius=any&limit=5", &before); resp.StatusCode != 200 || before.Total != 300 {
		t.Fatalf("search before the outage: %d %s", resp.StatusCode, b)
	}
	id := before.Results[0].ID

	px.cut()
	waitUntil(t, "readyz to say the store is unreachable", func() bool {
		var r ready
		resp, _ := get("/readyz", &r)
		return resp.StatusCode == 200 && r.Status == "degraded" && len(r.Problems) > 0 && strings.Contains(r.Problems[0], "store")
	})
	var during answer
	if resp, b := get("/api/v1/search?near=37203&radius=any&limit=5", &during); resp.StatusCode != 200 || during.Total != 300 {
		t.Errorf("search during the outage: %d %s", resp.StatusCode, b)
	}
	resp, b := get("/api/v1/facilities/"+id, nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-CareFinder-Partial") == "" || !strings.Contains(string(b), `"phones"`) {
		t.Errorf("facility during the outage: %d %q %s", resp.StatusCode, resp.Header.Get("X-CareFinder-Partial"), b)
	}
	if resp, b := get("/api/v1/facilities/no-such-id", nil); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("unknown facility during the outage: %d %s", resp.StatusCode, b)
	}

	px.restore(t)
	waitUntil(t, "readyz to be ready again", func() bool {
		var r ready
		resp, _ := get("/readyz", &r)
		return resp.StatusCode == 200 && r.Status == "ready"
	})
	if resp, b := get("/api/v1/facilities/"+id, nil); resp.StatusCode != 200 || resp.Header.Get("X-CareFinder-Partial") != "" {
		t.Errorf("facility after the outage: %d %s", resp.StatusCode, b)
	}
	cancel()
	<-errc
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// edition writes a SAMHSA 2015 file of n facilities: edition 1, or edition
// 2 in which every third facility has a new phone, the last tenth are gone
// and a tenth are new.
func edition(tb testing.TB, dir string, n, ed int) (path string, ids int) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("Name1,Name2,Name3,Address1,Address2,Address3,City,State,ZIP_Code,Contact,Note,Keys,loc_ID,Longitude,Latitude,Match Score\n")
	rows := 0
	write := func(i int, phone string) {
		fmt.Fprintf(&b, "Crash Test Clinic %d,,,%d Main Street,,,Nashville,TN,37203,(615)555-%s,,SAF/SA/OP/MD/,%04dTN37203,%.5f,%.5f,100.0\n",
			i, i+1, phone, i, -86.78+float64(i%97)*0.01, 36.16+float64(i%89)*0.01)
		rows++
	}
	for i := range n {
		phone := fmt.Sprintf("%04d", i%10000)
		if ed == 2 {
			if i >= n-n/10 {
				continue
			}
			if i%3 == 0 {
				phone = fmt.Sprintf("%04d", (i+5000)%10000)
			}
		}
		write(i, phone)
	}
	if ed == 2 {
		for i := n; i < n+n/10; i++ {
			write(i, "9999")
		}
	}
	path = filepath.Join(dir, fmt.Sprintf("edition%d.csv", ed))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, rows
}

// TestCrashSafety kills (SIGKILL) imports and a serving process at random
// moments, over and over, and after each round checks that the store holds
// exactly one whole edition — the last acknowledged import, or a later one
// that committed before its process died — and, at the end, that the
// search index, reopened after the crashes, equals the store.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for a minute; skipped with -short")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	const n = 2000
	ed1, rows1 := edition(t, dir, n, 1)
	ed2, rows2 := edition(t, dir, n, 2)
	want := map[string]int{ed1: rows1, ed2: rows2}

	start := func(args ...string) (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), asCareFinder+"=1", "CAREFINDER_DATA="+data)
		var out strings.Builder
		cmd.Stdout = &out
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	rng := rand.New(rand.NewPCG(2015, 11))
	acknowledged := ""
	// since holds the files whose imports were killed after the last
	// acknowledged one: any of them may have committed just before its
	// process died, so the store may hold the last of those that did.
	since := map[string]bool{}
	rounds, killed, acked := 12, 0, 0
	for round := range rounds {
		srv, _ := start("serve", "--addr", "127.0.0.1:0", "--demo-size", "0", "--sync-interval", "20ms", "--access-log", "off")
		file := []string{ed1, ed2}[round%2]
		imp, out := start("import", "--format", "samhsa-2015", file)
		done := make(chan error, 1)
		go func() { done <- imp.Wait() }()
		ackedNow := false // this round's import said "Imported"
		killImportAfter := time.Duration(rng.IntN(900)) * time.Millisecond
		select {
		case err := <-done:
			if err == nil && strings.Contains(out.String(), "Imported") {
				acknowledged, ackedNow = file, true
				clear(since)
				acked++
			} else {
				since[file] = true
			}
		case <-time.After(killImportAfter):
			imp.Process.Signal(syscall.SIGKILL)
			if err := <-done; err != nil {
				killed++
				since[file] = true
			} else if strings.Contains(out.String(), "Imported") {
				acknowledged, ackedNow = file, true
				clear(since)
				acked++
			} else {
				since[file] = true
			}
		}
		if round%3 == 2 {
			// Ask the server to rebuild its index, and kill it while
			// it does: the half-built index folder must not survive.
			re, _ := start("reindex")
			re.Wait()
		}
		time.Sleep(time.Duration(rng.IntN(500)) * time.Millisecond)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()

		// The store holds one whole edition, never a mix.
		store, err := directory.Open(context.Background(), filepath.Join(data, "carefinder.db"))
		if err != nil {
			t.Fatalf("round %d: reopen the store: %v", round, err)
		}
		got, err := store.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		which := matchEdition(t, store, dir, n)
		store.Close()
		switch {
		case acknowledged == "" && got == 0:
		case which == "":
			t.Fatalf("round %d: the store holds %d facilities, not one whole edition", round, got)
		case got != want[which]:
			t.Fatalf("round %d: edition %s with %d facilities, want %d", round, which, got, want[which])
		case acknowledged != "" && which != acknowledged && !since[which]:
			t.Fatalf("round %d: the store holds %s; the last acknowledged import was %s, and no import of %s was killed since", round, which, acknowledged, which)
		case acknowledged == "" && !since[which]:
			t.Fatalf("round %d: the store holds %s, which no import has written", round, which)
		}
		// An import acknowledged in this very round is what the store
		// holds (acknowledged alone may be an earlier round's, of the same
		// file, since overtaken by a killed import of the other).
		if ackedNow && which != file {
			t.Fatalf("round %d: the acknowledged import of %s was lost (store holds %q)", round, file, which)
		}
	}

	// Reopening the index after the crashes catches it up: it equals the
	// store.
	store, err := directory.Open(context.Background(), filepath.Join(data, "carefinder.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ix, err := search.Open(context.Background(), filepath.Join(data, "index"), store, store.Taxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var inIndex []string
	for q := (search.Query{Limit: search.MaxLimit}); ; {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			f, err := store.Get(context.Background(), h.Facility.ID)
			if err != nil || !f.Active || f.Phones != h.Facility.Phones {
				t.Fatalf("index holds %s (%+v), the store %+v, %v", h.Facility.ID, h.Facility.Phones, f, err)
			}
			inIndex = append(inIndex, h.Facility.ID)
		}
		if res.NextCursor == "" {
			break
		}
		q.Cursor = res.NextCursor
	}
	if count, _ := store.Count(context.Background()); count != len(inIndex) {
		t.Errorf("index holds %d facilities, the store %d", len(inIndex), count)
	}
	entries, _ := os.ReadDir(filepath.Join(data, "index"))
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 1 {
		t.Errorf("index folders after the crashes: %v, want only the current one", dirs)
	}
	t.Logf("%d rounds: %d imports killed, %d acknowledged; the store and the index agree on %d facilities", rounds, killed, acked, len(inIndex))
	if killed == 0 || acked == 0 {
		t.Errorf("the rounds should both kill imports and let some finish: %d killed, %d acknowledged", killed, acked)
	}
}

// matchEdition says which edition file the store's active facilities are,
// comparing names and phones, or "" if they are neither.
func matchEdition(tb testing.TB, store *directory.Store, dir string, n int) string {
	tb.Helper()
	var active []string
	for seq := int64(0); ; {
		fs, err := store.ChangedSince(context.Background(), seq, 0)
		if err != nil {
			tb.Fatal(err)
		}
		if len(fs) == 0 {
			break
		}
		for _, f := range fs {
			if f.Active {
				active = append(active, f.Name+" "+f.Phones.Main)
			}
		}
		seq = fs[len(fs)-1].Seq
	}
	slices.Sort(active)
	for ed := 1; ed <= 2; ed++ {
		path := filepath.Join(dir, fmt.Sprintf("edition%d.csv", ed))
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		var names []string
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			cols := strings.Split(sc.Text(), ",")
			names = append(names, cols[0]+" "+"("+cols[9][1:4]+") "+cols[9][5:])
		}
		f.Close()
		slices.Sort(names)
		if slices.Equal(names, active) {
			return path
		}
	}
	return ""
}
