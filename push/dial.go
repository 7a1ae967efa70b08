package push

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"childmatch"
)

// A subscription's endpoint is an address any signed-in user sends us, and a push is a POST to it: sent
// straight, a push goes only to a public address, never to this machine or a private network, whatever
// the endpoint's host name resolves to when it is dialled (so a name that changes its answer is no way
// round it). Sent through a proxy the environment names (HTTPS_PROXY), the proxy's own rules apply.

// errNotPublic is a push refused before it was sent: its endpoint is not on the internet.
var errNotPublic = errors.New("the push endpoint is not a public address")

// reserved are address blocks outside the internet that netip's checks do not cover: "this network",
// shared address space (carrier-grade NAT), IETF protocol assignments, benchmarking, the reserved class E,
// and local-use NAT64 (RFC 8215), whose mapping of IPv4 is a network's own.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Addresses that carry an IPv4 address inside, judged by it: the well-known NAT64 prefix (RFC 6052: the
// last 32 bits; a DNS64 network reaches every push service through it) and 6to4 (bits 16 to 48).
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// public reports whether a push may be sent to ip: a global unicast address on the internet, or this
// machine's loopback when loopback is allowed (tests' push services). A zone names an interface, not
// another address, and is dropped first (a prefix never contains a zoned address).
func public(ip netip.Addr, loopback bool) bool {
	ip = ip.Unmap().WithZone("")
	if b := ip.As16(); nat64.Contains(ip) {
		ip = netip.AddrFrom4([4]byte(b[12:16]))
	} else if sixToFour.Contains(ip) {
		ip = netip.AddrFrom4([4]byte(b[2:6]))
	}
	if ip.IsLoopback() {
		return loopback
	}
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// reachable reports whether a push could be sent to the endpoint (a valid URL) as its host is written:
// a name, checked when it is dialled, or a public address. It lets a subscription be refused at once.
func (s *Service) reachable(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return s.d.Loopback
	}
	ip, err := netip.ParseAddr(u.Hostname())
	return err != nil || public(ip, s.d.Loopback)
}

// newTransport is the push services' transport: straight to public addresses only, or through the
// environment's proxy for the request's URL.
func newTransport(loopback bool) http.RoundTripper {
	proxied := http.DefaultTransport.(*http.Transport).Clone()
	direct := proxied.Clone()
	direct.Proxy = nil
	dialer := &net.Dialer{Timeout: childmatch.PushTimeout, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return errNotPublic
			}
			if ip, err := netip.ParseAddr(host); err != nil || !public(ip, loopback) {
				return errNotPublic
			}
			return nil
		}}
	direct.DialContext = dialer.DialContext
	return transport{direct: direct, proxied: proxied}
}

type transport struct{ direct, proxied *http.Transport }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if proxy, err := http.ProxyFromEnvironment(r); err == nil && proxy != nil {
		return t.proxied.RoundTrip(r)
	}
	return t.direct.RoundTrip(r)
}
