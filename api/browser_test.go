package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// startBrowser starts Debian's Chromium for a browser test, for at most 3 minutes. run performs steps,
// failing the test with the step's error or any script error of the page; shoot saves a screenshot of
// the page at 1280 and 360 px wide into shots as name-1280.png and name-360.png.
func startBrowser(t *testing.T, browser, shots string) (run func(what string, actions ...chromedp.Action), shoot func(name string) chromedp.Action) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Run(ctx); err != nil { // starts the browser, owned by ctx rather than by a step
		t.Fatal(err)
	}
	// Script errors in the page fail the test with their message, instead of a step timing out.
	var pageErrors []string
	var mu sync.Mutex
	chromedp.ListenTarget(ctx, func(ev any) {
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			pageErrors = append(pageErrors, ex.ExceptionDetails.Error())
			mu.Unlock()
		}
	})
	shoot = func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			for _, w := range []int64{1280, 360} {
				var png []byte // quality 100 makes a PNG; less would make a JPEG
				if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(w, 900, 1, w < 500),
					chromedp.Sleep(150*time.Millisecond), chromedp.FullScreenshot(&png, 100)); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(shots, name+"-"+strconv.FormatInt(w, 10)+".png"), png, 0o644); err != nil {
					return err
				}
			}
			return chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(1280, 900, 1, false))
		})
	}
	run = func(what string, actions ...chromedp.Action) {
		t.Helper()
		step, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		err := chromedp.Run(step, actions...)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || len(pageErrors) > 0 {
			t.Fatalf("%s: %v; script errors: %v", what, err, pageErrors)
		}
	}
	return run, shoot
}
