// Package browsertest runs page and widget tests in a real headless
// Chromium (Debian's chromium package), driven with chromedp, with an
// accessibility audit by axe-core and screenshots saved as test artifacts.
//
// A test that needs the browser calls Start. Without Chromium it skips,
// unless CAREFINDER_BROWSER_REQUIRED is set (CI sets it, and installs
// Chromium first), in which case it fails.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/carefinder/carefinder/internal/sharedtest"
)

// axeSource is axe-core, vendored by scripts/vendor-npm.sh (MPL-2.0; see
// vendor/axe-LICENSE).
//
//go:embed vendor/axe.min.js
var axeSource string

// Timeouts.
const (
	// tabTimeout bounds everything one tab does in a test.
	tabTimeout = 60 * time.Second
)

// Viewports tests render pages at.
var (
	// Phone is a small, cheap phone: 360 CSS pixels wide.
	Phone = Viewport{Name: "phone", Width: 360, Height: 740, Scale: 2, Mobile: true}
	// Desktop is a laptop screen.
	Desktop = Viewport{Name: "desktop", Width: 1280, Height: 900, Scale: 1}
)

// Viewport is a screen size to emulate.
type Viewport struct {
	Name          string
	Width, Height int64
	Scale         float64
	Mobile        bool
}

// Browser is a running headless Chromium. Tabs opened with NewTab share it.
type Browser struct {
	alloc context.Context
	root  context.Context
}

// chromiumPaths are where Chromium is looked for, after $CHROMIUM.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}

// Start launches headless Chromium for the test; it is closed when the test
// ends.
func Start(tb testing.TB) *Browser {
	tb.Helper()
	if testing.Short() {
		tb.Skip("browser tests are skipped with -short")
	}
	path := os.Getenv("CHROMIUM")
	if path == "" {
		for _, p := range chromiumPaths {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		}
	}
	if path == "" {
		if os.Getenv("CAREFINDER_BROWSER_REQUIRED") != "" {
			tb.Fatal("CAREFINDER_BROWSER_REQUIRED is set but Chromium is not installed (apt-get install -y chromium)")
		}
		tb.Skip("Chromium is not installed (apt-get install -y chromium); set CAREFINDER_BROWSER_REQUIRED to fail instead")
	}
	// The profile is removed after Chromium exits, with retries: its helper
	// processes may still be writing to it for a moment (t.TempDir would
	// fail the test then).
	profile, err := os.MkdirTemp("", "carefinder-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	// The flags keep Chromium off the network but for the pages under
	// test: this machine refuses other connections, and Chromium's
	// background ones would otherwise pile up.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Run(root); err != nil { // starts the browser
		cancelRoot()
		cancelAlloc()
		os.RemoveAll(profile)
		tb.Fatalf("start Chromium %s: %v", path, err)
	}
	tb.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return &Browser{alloc: alloc, root: root}
}

// TabOption configures a new tab.
type TabOption func(*tabConfig)

type tabConfig struct {
	viewport   Viewport
	javascript bool
	language   string
}

// WithViewport emulates a screen size (Desktop by default).
func WithViewport(v Viewport) TabOption { return func(c *tabConfig) { c.viewport = v } }

// WithoutJavaScript turns scripts off, as some browsers and people do.
func WithoutJavaScript() TabOption { return func(c *tabConfig) { c.javascript = false } }

// WithLanguage sets the Accept-Language the tab sends ("es").
func WithLanguage(lang string) TabOption { return func(c *tabConfig) { c.language = lang } }

// NewTab opens a tab and returns its context, which every chromedp action
// for that tab runs in. The tab closes when the test ends.
func (b *Browser) NewTab(tb testing.TB, opts ...TabOption) context.Context {
	tb.Helper()
	cfg := tabConfig{viewport: Desktop, javascript: true}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := chromedp.NewContext(b.root)
	ctx, cancelTimeout := context.WithTimeout(ctx, tabTimeout)
	tb.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	v := cfg.viewport
	actions := []chromedp.Action{
		emulation.SetDeviceMetricsOverride(v.Width, v.Height, v.Scale, v.Mobile),
		emulation.SetScriptExecutionDisabled(!cfg.javascript),
	}
	if v.Mobile {
		actions = append(actions, emulation.SetTouchEmulationEnabled(true))
	}
	if cfg.language != "" {
		actions = append(actions, emulation.SetUserAgentOverride("Mozilla/5.0 (X11; Linux x86_64) Chrome/156 Safari/537.36 CareFinderTest").
			WithAcceptLanguage(cfg.language))
	}
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.Fatalf("open tab: %v", err)
	}
	return ctx
}

// Violation is one accessibility rule axe-core found broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// String describes v with the first elements it concerns.
func (v Violation) String() string {
	var where []string
	for i, n := range v.Nodes {
		if i == 3 {
			where = append(where, fmt.Sprintf("and %d more", len(v.Nodes)-3))
			break
		}
		where = append(where, fmt.Sprint(n.Target))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", "))
}

// Audit runs axe-core on the tab's current page against WCAG 2.1 A and AA
// and returns every violation. The page's Content-Security-Policy does not
// stop it: the audit runs through the DevTools protocol, not a page script.
func Audit(ctx context.Context) ([]Violation, error) {
	var loaded bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(axeSource+";true", &loaded)); err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	var raw string
	run := `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
		.then(r => JSON.stringify(r.violations))`
	if err := chromedp.Run(ctx, chromedp.Evaluate(run, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})); err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		return nil, fmt.Errorf("read axe-core results: %w", err)
	}
	return vs, nil
}

// Serious returns the violations of impact "serious" or "critical".
func Serious(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// ArtifactDir is where screenshots go: $CAREFINDER_ARTIFACTS, else
// test-artifacts/ at the module root (ignored by git).
func ArtifactDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("CAREFINDER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(sharedtest.ModuleRoot(tb), "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Screenshot saves a full-page PNG of the tab (quality 100: anything less
// makes Chromium encode a JPEG) as name.png in ArtifactDir
// and returns its path.
func Screenshot(tb testing.TB, ctx context.Context, name string) string {
	tb.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(ArtifactDir(tb), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
