package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/browsertest"
)

// xssName is a facility name that would run script if rendered as markup.
const xssName = `<img src=x onerror=alert(1)>`

// widgetFacilities are a few facilities near ZIP 37203, one with a
// hostile name.
func widgetFacilities() []directory.Facility {
	mk := func(id, name string, lat, lon float64, care ...string) directory.Facility {
		f := directory.Facility{
			ID: id, Name: name, Lat: lat, Lon: lon,
			Address:    directory.Address{Lines: []string{"1 Broadway"}, City: "Nashville", State: "TN", ZIP: "37203"},
			Phones:     directory.Phones{Main: "(615) 555-0100"},
			Provenance: directory.Provenance{Source: "test", SourceID: id, LastVerified: "2026-01-02"},
		}
		for _, c := range care {
			f.Services.Add(directory.GroupCare, c)
		}
		return f
	}
	return []directory.Facility{
		mk("w-musiccity", "Music City Detox", 36.1627, -86.7816, "detox"),
		mk("w-cumberland", "Cumberland Residential", 36.1745, -86.7680, "residential-short-term"),
		mk("w-xss", xssName, 36.1600, -86.7800, "detox", "standard-outpatient"),
		mk("w-franklin", "Franklin Outpatient", 35.9251, -86.8689, "standard-outpatient"),
	}
}

// shadow is a JavaScript expression for the widget's shadow root in the
// page (or the index-th widget).
func shadow(index int) string {
	return fmt.Sprintf(`document.querySelectorAll("[data-carefinder]")[%d].shadowRoot`, index)
}

// TestWidgetInBrowser follows the README's "Embed the widget" section as a
// partner would: `carefinder partner add` for the partner's origin, the
// snippet pasted into a page on that origin, the search run in headless
// Chromium. Then the same against a hostile stylesheet, from an origin the
// key does not list, in Spanish, through the iframe embed, and with
// axe-core.
func TestWidgetInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	ctx := context.Background()
	data := t.TempDir()
	environ := map[string]string{"CAREFINDER_DATA": data}

	store, err := directory.Open(ctx, filepath.Join(data, "carefinder.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Import(ctx, widgetFacilities(), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	// The partner's site and another site, each an origin of its own.
	var pages atomic.Value // map[string]string: path -> HTML
	pages.Store(map[string]string{})
	serveHost := func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages.Load().(map[string]string)[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	}
	partnerSite := httptest.NewServer(http.HandlerFunc(serveHost))
	defer partnerSite.Close()
	otherSite := httptest.NewServer(http.HandlerFunc(serveHost))
	defer otherSite.Close()

	// Step 1 of the README: add the partner; the key is the last line.
	code, out, errs := runCLI(t, environ, "partner", "add", "--name", "Test Clinic", "--origin", partnerSite.URL, "--region-state", "TN")
	if code != exitOK {
		t.Fatalf("partner add: exit %d\n%s%s", code, out, errs)
	}
	key := lastLine(out)

	// Step 2: run CareFinder.
	srvCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := ServeConfig{Addr: "127.0.0.1:0", SyncInterval: time.Second, RateLimit: defaultRateLimit}
	cfg.data = data
	base, errc := startServe(t, srvCtx, cfg)

	// Step 3: paste the snippet.
	snippet := `<div data-carefinder></div>
<script src="` + base + `/widget.js" data-key="` + key + `" async></script>`
	hostPage := func(lang, head, body string) string {
		return `<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8"><title>Test Clinic</title>` + head +
			`</head><body><main><h1>Test Clinic</h1><h2 id="host-h2">Find care</h2><p id="host-p">Our own text.</p>` + body + `</main></body></html>`
	}
	hostile := `<style>* { display: none !important } html, body, main, h1, h2, p { display: block !important }
div { color: red } div, button, input, li { font: 40px/3 serif !important; background: red !important; border: 9px solid lime !important }
h2 { color: rgb(0, 0, 128) }</style>`
	pages.Store(map[string]string{
		"/":        hostPage("en", "", snippet),
		"/hostile": hostPage("en", hostile, snippet),
		"/es":      hostPage("es", "", `<div data-carefinder data-lang="es" data-near="37203" data-care="detox" data-accent="#0a5"></div><script src="`+base+`/widget.js" data-key="`+key+`" async></script>`),
		"/iframe":  hostPage("en", "", `<iframe id="embed" src="`+base+`/embed?key=`+key+`&near=37203" title="Find addiction treatment" width="600" height="900"></iframe>`),
	})

	// A search as a person makes it, with the keyboard.
	tab := b.NewTab(t)
	var dialogs atomic.Int32
	chromedp.ListenTarget(tab, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Run(tab, page.HandleJavaScriptDialog(false))
		}
	})
	var n int
	if err := chromedp.Run(tab,
		chromedp.Navigate(partnerSite.URL+"/"),
		chromedp.Poll(shadow(0)+`.querySelector("#near")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(shadow(0)+`.querySelector("#near")`, chromedp.ByJSPath),
		chromedp.SendKeys(shadow(0)+`.querySelector("#near")`, "37203", chromedp.ByJSPath),
		chromedp.Click(shadow(0)+`.querySelector("input[value=detox]")`, chromedp.ByJSPath),
		chromedp.SendKeys(shadow(0)+`.querySelector("#near")`, "\r", chromedp.ByJSPath),
		chromedp.Poll(shadow(0)+`.querySelectorAll("li").length`, &n, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("search in the widget: %v", err)
	}
	type shown struct {
		Names, Calls, Details []string
		Status                string
		Images                int
	}
	var got shown
	read := `(() => { const r = ` + shadow(0) + `; return {
		Names: [...r.querySelectorAll("li h3")].map(e => e.textContent),
		Calls: [...r.querySelectorAll("a.call")].map(e => e.getAttribute("href")),
		Details: [...r.querySelectorAll("li a[href*='/facilities/']")].map(e => e.href),
		Status: r.querySelector(".status").textContent,
		Images: r.querySelectorAll("img").length + document.querySelectorAll("img").length }; })()`
	if err := chromedp.Run(tab, chromedp.Evaluate(read, &got)); err != nil {
		t.Fatal(err)
	}
	// Detox within 25 mi: Music City and the one named like markup, as text.
	if strings.Join(got.Names, "|") != xssName+"|Music City Detox" && strings.Join(got.Names, "|") != "Music City Detox|"+xssName {
		t.Errorf("results %q, want Music City Detox and %q", got.Names, xssName)
	}
	if got.Images != 0 || dialogs.Load() != 0 {
		t.Errorf("the facility's name ran as markup: %d images, %d dialogs", got.Images, dialogs.Load())
	}
	if len(got.Calls) != 2 || got.Calls[0] != "tel:6155550100" || !strings.Contains(got.Status, "2 places near Nashville, TN 37203") {
		t.Errorf("calls %q, status %q", got.Calls, got.Status)
	}
	if len(got.Details) != 2 || !strings.HasPrefix(got.Details[0], base+"/facilities/w-") {
		t.Errorf("links to the full record %q, want %s/facilities/ID", got.Details, base)
	}
	// A misspelled place offers the places it may be, as buttons that
	// search them, the care chosen kept.
	var offered []string
	var chosen string
	if err := chromedp.Run(tab,
		chromedp.SetValue(shadow(0)+`.querySelector("#near")`, "Nashvile", chromedp.ByJSPath),
		chromedp.SendKeys(shadow(0)+`.querySelector("#near")`, "\r", chromedp.ByJSPath),
		chromedp.Poll(shadow(0)+`.querySelectorAll("#err button").length > 0`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`[...`+shadow(0)+`.querySelectorAll("#err button")].map(b => b.textContent)`, &offered),
		chromedp.Click(shadow(0)+`.querySelector("#err button")`, chromedp.ByJSPath),
		chromedp.Poll(shadow(0)+`.querySelector(".status").textContent.endsWith("near Nashville, TN")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(shadow(0)+`.querySelector(".status").textContent + " | " + `+shadow(0)+`.querySelector("#err").textContent + " | " + `+shadow(0)+`.querySelector("#near").value`, &chosen),
	); err != nil {
		t.Fatalf("a misspelled place in the widget: %v (offered %q)", err, offered)
	}
	if len(offered) == 0 || offered[0] != "Nashville, TN" || len(offered) > 3 {
		t.Errorf("offered %q, want Nashville, TN first and at most 3", offered)
	}
	if !strings.HasPrefix(chosen, "2 places near Nashville, TN | ") || !strings.HasSuffix(chosen, " |  | Nashville, TN") {
		t.Errorf("after choosing Nashville, TN: %q", chosen)
	}
	// The keyboard reaches the search button next, inside the widget.
	var focused string
	if err := chromedp.Run(tab,
		chromedp.Focus(shadow(0)+`.querySelector("#near")`, chromedp.ByJSPath),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(shadow(0)+`.activeElement && `+shadow(0)+`.activeElement.textContent`, &focused),
	); err != nil {
		t.Fatal(err)
	}
	if focused != "Search" {
		t.Errorf("Tab from the location box reached %q, want the Search button", focused)
	}
	vs, err := browsertest.Audit(tab)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range browsertest.Serious(vs) {
		t.Errorf("accessibility: %s", v)
	}
	browsertest.Screenshot(t, tab, "widget-partner-page")

	// A hostile stylesheet changes nothing inside the widget, and the
	// widget changes nothing outside it.
	style := `(() => { const r = ` + shadow(0) + `, host = document.querySelector("[data-carefinder]"), cs = e => getComputedStyle(e);
		const h = r.querySelector("h2"), btn = r.querySelector("button"), box = host.getBoundingClientRect();
		return [cs(host).display, box.height > 100, cs(h).color, cs(h).fontFamily.slice(0, 12), cs(btn).backgroundColor, cs(r.querySelector("#near")).borderTopWidth,
			cs(document.getElementById("host-h2")).color, cs(document.getElementById("host-p")).fontWeight].join(" | "); })()`
	var plainStyle, hostileStyle string
	hostileTab := b.NewTab(t)
	if err := chromedp.Run(tab, chromedp.Evaluate(style, &plainStyle)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(hostileTab,
		chromedp.Navigate(partnerSite.URL+"/hostile"),
		chromedp.Poll(shadow(0)+`.querySelector("h2")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(style, &hostileStyle),
	); err != nil {
		t.Fatal(err)
	}
	wantPlain := "block | true | rgb(31, 35, 40) | system-ui, - | rgb(11, 92, 173) | 1px | rgb(0, 0, 0) | 400"
	if plainStyle != wantPlain {
		t.Errorf("widget on a plain page: %s\nwant %s", plainStyle, wantPlain)
	}
	// The page's own h2 is navy under its own stylesheet; the widget's
	// look is the same as on the plain page.
	if want := strings.Replace(wantPlain, "rgb(0, 0, 0) | 400", "rgb(0, 0, 128) | 400", 1); hostileStyle != want {
		t.Errorf("widget under a hostile stylesheet: %s\nwant %s", hostileStyle, want)
	}
	browsertest.Screenshot(t, hostileTab, "widget-hostile-page")

	// Spanish, with the partner's defaults from data attributes, on a phone.
	esTab := b.NewTab(t, browsertest.WithViewport(browsertest.Phone))
	var es struct {
		Title, Status, Care, Button, ButtonInk string
		Checked                                []string
	}
	if err := chromedp.Run(esTab,
		chromedp.Navigate(partnerSite.URL+"/es"),
		chromedp.Poll(shadow(0)+`.querySelectorAll("li").length`, &n, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`(() => { const r = `+shadow(0)+`; return { Title: r.querySelector("h2").textContent, Status: r.querySelector(".status").textContent,
			Care: r.querySelector("li .care").textContent, Button: getComputedStyle(r.querySelector("button")).backgroundColor,
			ButtonInk: getComputedStyle(r.querySelector("button")).color,
			Checked: [...r.querySelectorAll("input:checked")].map(e => e.value) }; })()`, &es),
	); err != nil {
		t.Fatal(err)
	}
	if es.Title != "Encuentre tratamiento para adicciones" || !strings.Contains(es.Status, "2 lugares cerca de Nashville, TN 37203") ||
		!strings.Contains(es.Care, "Desintoxicación") || strings.Join(es.Checked, ",") != "detox" {
		t.Errorf("Spanish widget: %+v", es)
	}
	// #0a5 with white text fails contrast, so the text is black.
	if es.Button != "rgb(0, 170, 85)" || es.ButtonInk != "rgb(0, 0, 0)" {
		t.Errorf("accent button %s on %s, want black on rgb(0, 170, 85)", es.ButtonInk, es.Button)
	}
	vs, err = browsertest.Audit(esTab)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range browsertest.Serious(vs) {
		t.Errorf("accessibility (Spanish, phone): %s", v)
	}
	browsertest.Screenshot(t, esTab, "widget-spanish-phone")

	// The same snippet on a site the key does not list: CORS refuses it.
	otherTab := b.NewTab(t)
	var fetched, status string
	if err := chromedp.Run(otherTab,
		chromedp.Navigate(otherSite.URL+"/"),
		chromedp.Poll(shadow(0)+`.querySelector("#near")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`fetch(`+jsString(base+"/api/v1/search?near=37203&key="+key)+`).then(r => "read " + r.status, e => "refused: " + e.name)`, &fetched, awaitPromise),
		chromedp.SendKeys(shadow(0)+`.querySelector("#near")`, "37203\r", chromedp.ByJSPath),
		chromedp.Poll(shadow(0)+`.querySelector(".err").textContent`, &status, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatal(err)
	}
	if fetched != "refused: TypeError" {
		t.Errorf("a page on %s read the API with the partner's key: %s", otherSite.URL, fetched)
	}
	if !strings.Contains(status, "did not work") {
		t.Errorf("the widget on a disallowed origin says %q", status)
	}
	// Without a key the API stays open to any page (rate limited).
	if err := chromedp.Run(otherTab, chromedp.Evaluate(`fetch(`+jsString(base+"/api/v1/search?near=37203")+`).then(r => "read " + r.status, e => "refused: " + e.name)`, &fetched, awaitPromise)); err != nil {
		t.Fatal(err)
	}
	if fetched != "read 200" {
		t.Errorf("an anonymous cross-origin search: %s", fetched)
	}

	// The iframe embed on the partner's page.
	frameTab := b.NewTab(t)
	var framed int
	if err := chromedp.Run(frameTab, chromedp.Navigate(partnerSite.URL+"/iframe")); err != nil {
		t.Fatal(err)
	}
	if err := pollInFrame(frameTab, base+"/embed", `document.querySelector("[data-carefinder]").shadowRoot.querySelectorAll("li").length`, &framed); err != nil || framed != 4 {
		t.Errorf("the iframe embed shows %d results (want all 4 within 25 mi), %v", framed, err)
	}
	browsertest.Screenshot(t, frameTab, "widget-iframe")
	// Another site cannot frame the partner's embed.
	otherFrame := b.NewTab(t)
	if err := chromedp.Run(otherFrame, chromedp.Navigate(otherSite.URL+"/iframe")); err != nil {
		t.Fatal(err)
	}
	if err := pollInFrame(otherFrame, base+"/embed", `document.querySelectorAll("[data-carefinder]").length`, &framed); err == nil {
		t.Errorf("a site the key does not list framed the embed (%d widgets)", framed)
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}

}

// awaitPromise makes an Evaluate wait for the promise it returns.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// pollInFrame evaluates expr in the frame whose URL starts with prefix
// until it gives a non-zero number, for up to ten seconds. The frame is
// found as a target of its own (a frame of another site runs in another
// process) or in the page's frame tree.
func pollInFrame(ctx context.Context, prefix, expr string, out *int) error {
	deadline := time.Now().Add(10 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		last = evalInFrame(ctx, prefix, expr, out)
		if last == nil && *out > 0 {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	if last == nil {
		last = fmt.Errorf("still %d after 10 s", *out)
	}
	return last
}

func evalInFrame(ctx context.Context, prefix, expr string, out *int) error {
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		return err
	}
	for _, ti := range targets {
		if ti.Type == "iframe" && strings.HasPrefix(ti.URL, prefix) {
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
			defer cancel()
			return chromedp.Run(fctx, chromedp.Evaluate(expr, out))
		}
	}
	return chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		tree, err := page.GetFrameTree().Do(ctx)
		if err != nil {
			return err
		}
		for _, child := range tree.ChildFrames {
			if !strings.HasPrefix(child.Frame.URL, prefix) {
				continue
			}
			world, err := page.CreateIsolatedWorld(child.Frame.ID).Do(ctx)
			if err != nil {
				return err
			}
			res, exc, err := runtime.Evaluate(expr).WithContextID(world).WithReturnByValue(true).Do(ctx)
			if err != nil {
				return err
			}
			if exc != nil {
				return fmt.Errorf("in the frame: %s", exc.Text)
			}
			return fmtNumber(res.Value, out)
		}
		return fmt.Errorf("no frame at %s", prefix)
	}))
}

func fmtNumber(raw []byte, out *int) error {
	_, err := fmt.Sscan(string(raw), out)
	return err
}
