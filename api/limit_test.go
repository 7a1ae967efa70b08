package api

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestKeyedLimiter: a key's bucket refuses past its burst and says how long to wait; reading a key's
// wait makes no bucket; beyond its size the least recently used key is forgotten, so memory is bounded.
func TestKeyedLimiter(t *testing.T) {
	k := newKeyed(time.Minute, 2, 3)
	for i := range 2 {
		if w := k.take("a"); w != 0 {
			t.Fatalf("take %d within the burst: wait %v", i+1, w)
		}
	}
	if w := k.take("a"); w <= 0 || w > time.Minute {
		t.Fatalf("past the burst: wait %v, want up to a minute", w)
	}
	if w := k.wait("a"); w <= 0 {
		t.Fatalf("wait on a spent key: %v", w)
	}
	if w := k.wait("unseen"); w != 0 || k.keys.Len() != 1 {
		t.Fatalf("wait on an unseen key: %v, %d keys", w, k.keys.Len())
	}
	for _, key := range []string{"b", "c", "d"} {
		k.take(key)
	}
	if k.keys.Len() != 3 {
		t.Fatalf("%d keys remembered, want at most 3", k.keys.Len())
	}
	if w := k.take("a"); w != 0 {
		t.Fatalf("the least recently used key was kept: wait %v", w)
	}
}

// TestAddressKey: IPv4 addresses count one by one (also when written as IPv6), IPv6 ones by their /64.
func TestAddressKey(t *testing.T) {
	for ip, want := range map[string]string{
		"10.0.0.1":                "10.0.0.1",
		"::ffff:10.0.0.1":         "10.0.0.1",
		"2001:db8:1:2:aaaa::1":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9999": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":         "2001:db8:1:3::/64",
		"not an address":          "not an address",
	} {
		if got := addressKey(ip); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", ip, got, want)
		}
	}
}

// BenchmarkLimiterKeys fills a limiter with 10,000 address keys and reports the heap each remembered key
// holds beside its text (B/key): a limiter's memory is bounded by that, plus the keys, times LimiterKeys.
func BenchmarkLimiterKeys(b *testing.B) {
	const n = 10_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "2001:db8:" + strconv.Itoa(i) + "::/64" // as long as the longest address key
	}
	var perKey float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k := newKeyed(time.Second, 10, n)
		for _, key := range keys {
			k.take(key)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perKey = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(k)
	}
	b.ReportMetric(perKey, "B/key")
}
