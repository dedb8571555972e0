package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/browsertest"
	"github.com/carefinder/carefinder/internal/sharedtest"
)

// waitTimeout bounds a wait for a page to load in the browser.
const waitTimeout = 20 * time.Second

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// loaded waits until a new page has replaced the one marked stale.
func loaded() chromedp.Action {
	return waitFor(`!window.__stale && document.readyState === "complete"`)
}

// waitFor evaluates expr until it is true, through page loads (whose
// errors, "context destroyed" and the like, only mean: not yet).
func waitFor(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(waitTimeout)
		for {
			var ok bool
			err := chromedp.Evaluate(expr, &ok).Do(ctx)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("waited %v for %s (last error %v)", waitTimeout, expr, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// clickAndWait clicks sel and waits for the page it leads to.
func clickAndWait(sel string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Evaluate(`window.__stale = true`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
		loaded(),
	}
}

// evalBool evaluates a JavaScript expression to a bool.
func evalBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	var b bool
	run(t, ctx, chromedp.Evaluate(expr, &b))
	return b
}

func evalInt(t *testing.T, ctx context.Context, expr string) int {
	t.Helper()
	var n int
	run(t, ctx, chromedp.Evaluate(expr, &n))
	return n
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	var s string
	run(t, ctx, chromedp.Evaluate(expr, &s))
	return s
}

// viewportShot saves what the screen shows (not the whole page) as
// name.png in the artifacts directory: the pictures the README shows.
func viewportShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx, chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(browsertest.ArtifactDir(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// countDialogs counts the JavaScript dialogs (alert) a tab opens, and
// dismisses them.
func countDialogs(ctx context.Context) *atomic.Int32 {
	var n atomic.Int32
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			n.Add(1)
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(false))
		}
	})
	return &n
}

// TestBrowser uses the pages as a person would, in headless Chromium:
// search by ZIP, filter, page through, open a facility and report a
// problem, switch to Spanish, without JavaScript, with hostile names, the
// map, small screens and zoom; and audits every page with axe-core.
func TestBrowser(t *testing.T) {
	b := browsertest.Start(t)
	e := mustPageServer(t)
	base := e.srv.URL

	t.Run("search by ZIP on a phone", func(t *testing.T) {
		ctx := b.NewTab(t, browsertest.WithViewport(browsertest.Phone))
		run(t, ctx, chromedp.Navigate(base+"/"),
			chromedp.SendKeys("#near", "37203", chromedp.ByQuery),
			clickAndWait(`form.ask button[type=submit]`))
		if loc := evalString(t, ctx, "location.search"); !strings.Contains(loc, "near=37203") {
			t.Errorf("URL %s", loc)
		}
		if n := evalInt(t, ctx, `document.querySelectorAll("li.result").length`); n != 20 {
			t.Errorf("%d results on the first page, want 20", n)
		}
		if s := evalString(t, ctx, `document.getElementById("count").textContent`); !strings.HasPrefix(s, "27 places found within 25 mi of Nashville, TN 37203") {
			t.Errorf("count %q", s)
		}
		run(t, ctx, waitFor(`document.getElementById("announce").textContent.includes("places found")`))
		if href := evalString(t, ctx, `document.querySelector("li.result a.call").getAttribute("href")`); !strings.HasPrefix(href, "tel:+1615555") {
			t.Errorf("first Call link %q", href)
		}
		viewportShot(t, ctx, "screen-results-phone")
		// On a phone the map waits for the button.
		if !evalBool(t, ctx, `document.getElementById("map").hidden && !document.querySelector(".maptoggle").hidden`) {
			t.Error("phone: the map should be hidden behind a visible Show map button")
		}
		run(t, ctx, chromedp.Click(".maptoggle", chromedp.ByQuery))
		run(t, ctx, waitFor(`document.getElementById("map").dataset.ready === "true"`))
		browsertest.Screenshot(t, ctx, "results-phone-map")
	})

	t.Run("filter, paginate, back", func(t *testing.T) {
		ctx := b.NewTab(t)
		run(t, ctx, chromedp.Navigate(base+"/search?near=37203"), loaded())
		// Wide screen: the filters are open beside the list. Tick detox.
		if !evalBool(t, ctx, `document.querySelector(".filterbox").open`) {
			t.Error("filters closed on a wide screen")
		}
		detox := evalString(t, ctx, `document.querySelector("label[for=f-care-detox]").textContent`)
		run(t, ctx, chromedp.Click(`details.group summary`, chromedp.ByQuery),
			chromedp.Click(`#f-care-detox`, chromedp.ByQuery),
			clickAndWait(`form.filters button[type=submit]`))
		if loc := evalString(t, ctx, "location.search"); !strings.Contains(loc, "care=detox") || !strings.Contains(loc, "near=37203") {
			t.Errorf("filtered URL %s", loc)
		}
		n := evalInt(t, ctx, `document.querySelectorAll("li.result").length`)
		if want := fmt.Sprintf("Detox (%d)", n); strings.TrimSpace(detox) != want {
			t.Errorf("the box said %q; ticking it gave %d results", detox, n)
		}
		if !evalBool(t, ctx, `[...document.querySelectorAll("li.result")].every(li => li.textContent.includes("Detox"))`) {
			t.Error("a result without detox")
		}
		browsertest.Screenshot(t, ctx, "results-filtered-desktop")

		run(t, ctx, chromedp.Navigate(base+"/search?near=37203"), loaded())
		first := evalString(t, ctx, `document.querySelector("li.result h3 a").textContent`)
		run(t, ctx, clickAndWait(`a[rel=next]`))
		if loc := evalString(t, ctx, "location.search"); !strings.Contains(loc, "cursor=") {
			t.Errorf("page 2 URL %s", loc)
		}
		if n := evalInt(t, ctx, `document.querySelectorAll("li.result").length`); n != 7 {
			t.Errorf("%d results on page 2, want 7", n)
		}
		// The browser's back button (the page may come from its cache,
		// which leaves chromedp's DOM behind: only evaluate from here).
		run(t, ctx, chromedp.Evaluate(`history.back()`, nil), waitFor(`!location.search.includes("cursor=") && document.readyState === "complete"`))
		if again := evalString(t, ctx, `document.querySelector("li.result h3 a").textContent`); again != first {
			t.Errorf("back: first result %q, was %q", again, first)
		}
	})

	t.Run("open a facility and report a problem", func(t *testing.T) {
		ctx := b.NewTab(t, browsertest.WithViewport(browsertest.Phone))
		run(t, ctx, chromedp.Navigate(base+"/search?near=37203&q=Hispano"), loaded(),
			clickAndWait(`li.result h3 a`))
		if h1 := evalString(t, ctx, `document.querySelector("h1").textContent`); h1 != "Centro Hispano de Recuperación" {
			t.Errorf("h1 %q", h1)
		}
		if !evalBool(t, ctx, `document.body.textContent.includes("A program you visit for treatment")`) && !evalBool(t, ctx, `document.querySelectorAll("dl.terms dd").length > 3`) {
			t.Error("services without explanations")
		}
		run(t, ctx, chromedp.Click(`#rk-wrong-phone`, chromedp.ByQuery),
			chromedp.SendKeys(`#message`, "The number is (615) 555-0150 now", chromedp.ByQuery),
			clickAndWait(`#report button[type=submit]`))
		if !evalBool(t, ctx, `!!document.querySelector(".thanks")`) {
			t.Errorf("no thank-you after the report: %s", evalString(t, ctx, "document.body.innerText"))
		}
		reps, err := e.store.Reports(context.Background(), directory.ReportFilter{FacilityID: idHispano})
		if err != nil || len(reps) != 1 || reps[0].Message != "The number is (615) 555-0150 now" {
			t.Errorf("stored %+v %v", reps, err)
		}
		browsertest.Screenshot(t, ctx, "facility-phone")
	})

	t.Run("Spanish, and the switch", func(t *testing.T) {
		ctx := b.NewTab(t, browsertest.WithLanguage("es"))
		run(t, ctx, chromedp.Navigate(base+"/"), loaded())
		if lang := evalString(t, ctx, "document.documentElement.lang"); lang != "es" {
			t.Errorf("html lang %q", lang)
		}
		run(t, ctx, chromedp.SendKeys("#near", "37203", chromedp.ByQuery),
			chromedp.Click(`#k-detox`, chromedp.ByQuery),
			clickAndWait(`form.ask button[type=submit]`))
		if s := evalString(t, ctx, `document.getElementById("count").textContent`); !strings.HasPrefix(s, "Se encontraron") {
			t.Errorf("count %q", s)
		}
		if !evalBool(t, ctx, `document.querySelector("li.result").textContent.includes("Desintoxicación")`) {
			t.Error("care labels not in Spanish")
		}
		run(t, ctx, clickAndWait(`a.lang`))
		loc := evalString(t, ctx, "location.search")
		for _, want := range []string{"lang=en", "near=37203", "care=detox"} {
			if !strings.Contains(loc, want) {
				t.Errorf("after the switch, URL %s lacks %s", loc, want)
			}
		}
		if s := evalString(t, ctx, `document.getElementById("count").textContent`); !strings.Contains(s, "places found") {
			t.Errorf("after the switch: %q", s)
		}
	})

	t.Run("JavaScript off", func(t *testing.T) {
		ctx := b.NewTab(t, browsertest.WithoutJavaScript(), browsertest.WithViewport(browsertest.Phone))
		var nodes []*cdp.Node
		run(t, ctx, chromedp.Navigate(base+"/"),
			chromedp.SendKeys("#near", "37203", chromedp.ByQuery),
			chromedp.Click(`form.ask button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`li.result`, chromedp.ByQuery),
			chromedp.Nodes(`li.result`, &nodes, chromedp.ByQueryAll))
		if len(nodes) != 20 {
			t.Errorf("%d results without JavaScript", len(nodes))
		}
		var hidden string
		var ok bool
		run(t, ctx, chromedp.AttributeValue(`button.locate`, "hidden", &hidden, &ok, chromedp.ByQuery))
		if !ok {
			t.Error("the location button shows without JavaScript")
		}
		run(t, ctx, chromedp.AttributeValue(`#map`, "hidden", &hidden, &ok, chromedp.ByQuery))
		if !ok {
			t.Error("the empty map box shows without JavaScript")
		}
		// Filters and paging are plain forms and links.
		run(t, ctx, chromedp.Click(`.filterbox summary`, chromedp.ByQuery),
			chromedp.Click(`details.group summary`, chromedp.ByQuery),
			chromedp.Click(`#f-care-telehealth`, chromedp.ByQuery),
			chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`a.lang[href*="care=telehealth"]`, chromedp.ByQuery), // on the new page only
			chromedp.Nodes(`li.result`, &nodes, chromedp.ByQueryAll))
		if len(nodes) != 4 {
			t.Errorf("%d telehealth results without JavaScript, want 4", len(nodes))
		}
		browsertest.Screenshot(t, ctx, "results-phone-nojs")
	})

	t.Run("hostile names stay text", func(t *testing.T) {
		ctx := b.NewTab(t)
		dialogs := countDialogs(ctx)
		run(t, ctx, chromedp.Navigate(base+"/search?near=37203&radius=5mi&limit=100"), loaded())
		names := evalString(t, ctx, `[...document.querySelectorAll("li.result h3 a")].map(a => a.textContent).join("\n")`)
		for _, want := range []string{hostileScript, hostileImg} {
			if !strings.Contains(names, want) {
				t.Errorf("results do not show %q as text", want)
			}
		}
		run(t, ctx, clickAndWait(fmt.Sprintf(`a[href^="/facilities/%s"]`, idScript)))
		if h1 := evalString(t, ctx, `document.querySelector("h1").textContent`); h1 != hostileScript {
			t.Errorf("h1 %q", h1)
		}
		if sub := evalString(t, ctx, `document.querySelector("p.sub").textContent`); sub != hostileImg {
			t.Errorf("subtitle %q", sub)
		}
		time.Sleep(300 * time.Millisecond)
		if n := evalInt(t, ctx, `document.querySelectorAll("img[src=x], script:not([src])").length`); n != 0 || dialogs.Load() != 0 {
			t.Errorf("injected: %d elements, %d dialogs", n, dialogs.Load())
		}
	})

	t.Run("map and list in step", func(t *testing.T) {
		ctx := b.NewTab(t)
		run(t, ctx, chromedp.Navigate(base+"/search?near=37203"), waitFor(`document.getElementById("map").dataset.ready === "true"`))
		viewportShot(t, ctx, "screen-results-desktop")
		if n := evalInt(t, ctx, `document.querySelectorAll(".leaflet-marker-icon").length`); n != 20 {
			t.Errorf("%d markers for 20 results", n)
		}
		if !evalBool(t, ctx, `document.querySelector(".leaflet-control-attribution").textContent.includes("OpenStreetMap")`) {
			t.Error("no tile attribution")
		}
		run(t, ctx, chromedp.Click(`.leaflet-marker-icon[title^="3. "]`, chromedp.ByQuery))
		if !evalBool(t, ctx, `document.getElementById("r3").classList.contains("hl") && document.getElementById("r3").contains(document.activeElement)`) {
			t.Error("clicking marker 3 does not bring result 3 forward")
		}
		run(t, ctx, chromedp.Focus(`#r5 h3 a`, chromedp.ByQuery))
		if !evalBool(t, ctx, `document.querySelector('.leaflet-marker-icon[title^="5. "]').classList.contains("hl")`) {
			t.Error("focusing result 5 does not mark it on the map")
		}
		// The tiles cannot load here (no network): the list is whole.
		if n := evalInt(t, ctx, `document.querySelectorAll("li.result a.call").length`); n != 20 {
			t.Errorf("%d call buttons", n)
		}
		browsertest.Screenshot(t, ctx, "results-desktop")
	})

	t.Run("320 px and 200% zoom", func(t *testing.T) {
		for _, v := range []browsertest.Viewport{
			{Name: "320", Width: 320, Height: 640, Scale: 2, Mobile: true},
			{Name: "zoom200", Width: 640, Height: 450, Scale: 2}, // a 1280×900 screen at 200 %
		} {
			ctx := b.NewTab(t, browsertest.WithViewport(v))
			for _, path := range []string{"/", "/search?near=37203", "/search?near=99501&care=detox&radius=10mi", "/facilities/" + idAllHours} {
				run(t, ctx, chromedp.Navigate(base+path), loaded())
				if w := evalInt(t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
					t.Errorf("%s at %s: scrolls sideways by %d px", path, v.Name, w)
				}
			}
		}
	})

	t.Run("visible focus and skip link", func(t *testing.T) {
		ctx := b.NewTab(t)
		run(t, ctx, chromedp.Navigate(base+"/"), loaded(), chromedp.KeyEvent("\t"))
		if !evalBool(t, ctx, `document.activeElement.classList.contains("skip")`) {
			t.Fatalf("the first Tab lands on %s", evalString(t, ctx, "document.activeElement.outerHTML"))
		}
		if style := evalString(t, ctx, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
			t.Error("the focused skip link has no outline")
		}
		if !evalBool(t, ctx, `document.activeElement.getBoundingClientRect().top >= 0`) {
			t.Error("the focused skip link is off screen")
		}
		run(t, ctx, chromedp.KeyEvent("\r"))
		if !evalBool(t, ctx, `location.hash === "#main"`) {
			t.Error("the skip link does not lead to main")
		}
	})

	t.Run("axe audit", func(t *testing.T) {
		pages := []struct{ name, path string }{
			{"home", "/"},
			{"results", "/search?near=37203"},
			{"empty", "/search?near=99501&care=detox&radius=10mi"},
			{"facility", "/facilities/" + idAllHours},
			{"error", "/search?near=Nashvile,+TN"},
		}
		for _, lang := range []string{"en", "es"} {
			for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
				ctx := b.NewTab(t, browsertest.WithViewport(vp))
				for _, pg := range pages {
					sep := "?"
					if strings.Contains(pg.path, "?") {
						sep = "&"
					}
					run(t, ctx, chromedp.Navigate(base+pg.path+sep+"lang="+lang), loaded())
					if pg.name == "results" && vp.Name == "desktop" {
						run(t, ctx, waitFor(`document.getElementById("map").dataset.ready === "true"`))
					}
					vs, err := browsertest.Audit(ctx)
					if err != nil {
						t.Fatal(err)
					}
					var all []string
					for _, v := range vs {
						all = append(all, v.Impact+":"+v.ID)
					}
					t.Logf("axe %s %s %s: %d violations %v", pg.name, lang, vp.Name, len(vs), all)
					for _, v := range browsertest.Serious(vs) {
						t.Errorf("%s (%s, %s): %s", pg.name, lang, vp.Name, v)
					}
					browsertest.Screenshot(t, ctx, fmt.Sprintf("%s-%s-%s", pg.name, lang, vp.Name))
				}
			}
		}
	})
}

// TestBrowserRealDirectory imports the real 2015 directory and searches it
// as a person would. ZIP codes carry the assertions; a city search is
// tried as well (the city geocoder is improving elsewhere).
func TestBrowserRealDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 11,928 facilities; skipped with -short")
	}
	path := sharedtest.File(t, "data/samhsa-directory-2015.csv")
	b := browsertest.Start(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := data.ParseSAMHSA2015(context.Background(), f, data.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fs []directory.Facility
	for _, r := range rep.Records {
		fs = append(fs, r.Facility)
	}
	e := mustServerWith(t, fs, nil, nil)
	ctx := b.NewTab(t, browsertest.WithViewport(browsertest.Phone))

	for _, tt := range []struct {
		near, kind string
		name, sub  string
	}{
		{"99501", "", "Narcotic Drug Treatment Center Inc", "Center for Drug Problems"},
		{"37203", "detox", "Parthenon Pavilion CMC", "Dual Stabilization Unit"},
	} {
		run(t, ctx, chromedp.Navigate(e.srv.URL+"/"), loaded(), chromedp.SendKeys("#near", tt.near, chromedp.ByQuery))
		if tt.kind != "" {
			run(t, ctx, chromedp.Click("#k-"+tt.kind, chromedp.ByQuery))
		}
		run(t, ctx, clickAndWait(`form.ask button[type=submit]`))
		names := evalString(t, ctx, `[...document.querySelectorAll("li.result")].map(li => li.querySelector("h3 a").textContent + " / " + (li.querySelector(".sub") || {}).textContent).join("\n")`)
		if !strings.Contains(names, tt.name+" / "+tt.sub) {
			t.Errorf("near %s: %q with subtitle %q not among\n%s", tt.near, tt.name, tt.sub, names)
		}
		if !evalBool(t, ctx, `[...document.querySelectorAll("li.result a.call")].every(a => /^tel:\+1\d{10}(,\d+)?$/.test(a.getAttribute("href")))`) {
			t.Errorf("near %s: a Call link that is not a US number", tt.near)
		}
	}
	browsertest.Screenshot(t, ctx, "real-37203-detox-phone")

	// As a person would type it.
	run(t, ctx, chromedp.Navigate(e.srv.URL+"/"), loaded(), chromedp.SendKeys("#near", "Anchorage, AK", chromedp.ByQuery),
		clickAndWait(`form.ask button[type=submit]`))
	count := evalString(t, ctx, `(document.getElementById("count") || document.querySelector(".err") || {}).textContent`)
	t.Logf("Anchorage, AK: %s", count)
	if count == "" {
		t.Error("a city search gave neither results nor a message")
	}
}
