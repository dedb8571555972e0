package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carefinder/carefinder/internal/browsertest"
)

// TestAuditFindsAndPasses checks the harness itself: a page with an
// unlabelled input and unreadable text fails the audit, a clean page
// passes, and JavaScript can be turned off.
func TestAuditFindsAndPasses(t *testing.T) {
	b := browsertest.Start(t)
	pages := map[string]string{
		"/bad":  `<!doctype html><html><head><title>Bad</title></head><body><main><input type="text"><p style="color:#ccc;background:#fff">faint</p></main></body></html>`,
		"/good": `<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Hello</h1><label for="z">ZIP</label><input id="z" type="text"><p id="js">no script</p><script>document.getElementById("js").textContent = "script ran"</script></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, pages[r.URL.Path])
	}))
	defer srv.Close()

	ctx := b.NewTab(t)
	if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	vs, err := browsertest.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range browsertest.Serious(vs) {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"label", "color-contrast", "html-has-lang"} {
		if !strings.Contains(strings.Join(ids, ","), want) {
			t.Errorf("audit of the bad page found %v, want %s among them", ids, want)
		}
	}

	var text string
	if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/good"), chromedp.Text("#js", &text)); err != nil {
		t.Fatal(err)
	}
	if vs, err := browsertest.Audit(ctx); err != nil || len(browsertest.Serious(vs)) > 0 {
		t.Errorf("audit of the good page: %v, %v", vs, err)
	}
	if text != "script ran" {
		t.Errorf("with JavaScript on, #js says %q", text)
	}
	browsertest.Screenshot(t, ctx, "browsertest-good")

	off := b.NewTab(t, browsertest.WithoutJavaScript(), browsertest.WithViewport(browsertest.Phone))
	if err := chromedp.Run(off, chromedp.Navigate(srv.URL+"/good"), chromedp.Text("#js", &text)); err != nil {
		t.Fatal(err)
	}
	if text != "no script" {
		t.Errorf("with JavaScript off, #js says %q", text)
	}
}
