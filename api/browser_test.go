package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is Debian's Chromium driven by chromedp for the browser tests, with the page's script errors
// collected so that a step fails with their message instead of timing out.
type browser struct {
	t          *testing.T
	ctx        context.Context
	shots      string
	mu         sync.Mutex
	pageErrors []string
}

// chromium is the path of Debian's Chromium; the browser tests fail without it.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("Debian's chromium is needed for the browser test: `make test` installs it")
	}
	return path
}

// openBrowser starts Chromium (path) for the test; screenshots go to the folder shots.
func openBrowser(t *testing.T, path, shots string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelBrowser(); cancelAlloc() })
	if err := chromedp.Run(ctx); err != nil { // starts the browser, owned by ctx rather than by a step
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, shots: shots}
	chromedp.ListenTarget(ctx, func(ev any) {
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok {
			b.mu.Lock()
			b.pageErrors = append(b.pageErrors, ex.ExceptionDetails.Error())
			b.mu.Unlock()
		}
	})
	return b
}

// shoot saves a screenshot of the whole page at 1280 and 360 px wide as <name>-<width>.png.
func (b *browser) shoot(name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for _, w := range []int64{1280, 360} {
			var png []byte // quality 100 makes a PNG; less would make a JPEG
			if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(w, 900, 1, w < 500),
				chromedp.Sleep(150*time.Millisecond), chromedp.FullScreenshot(&png, 100)); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(b.shots, name+"-"+strconv.FormatInt(w, 10)+".png"), png, 0o644); err != nil {
				return err
			}
		}
		return chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(1280, 900, 1, false))
	})
}

// run runs one step of at most 45 s, failing the test if it fails or the page threw.
func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	step, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	err := chromedp.Run(step, actions...)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil || len(b.pageErrors) > 0 {
		b.t.Fatalf("%s: %v; script errors: %v", what, err, b.pageErrors)
	}
}
