package flows

import (
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
)

// Closes reports whether the closes entry c names connection k: each
// end the workload, address or DNS name itself, or an address in
// "ip:CIDR"; the port within the entry's.
func Closes(c ir.Closing, k Key) bool {
	return endMatch(c.From, k.Src) && endMatch(c.To, k.Dst) && c.Ports.Contains(k.Protocol, k.Port)
}

func endMatch(pattern, name string) bool {
	if pattern == name {
		return true
	}
	ip, ok := strings.CutPrefix(pattern, "ip:")
	if !ok {
		return false
	}
	addr, err := netip.ParseAddr(strings.TrimPrefix(name, "ip:"))
	if err != nil {
		return false
	}
	if pfx, err := netip.ParsePrefix(ip); err == nil {
		return pfx.Contains(addr.Unmap())
	}
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap() == addr.Unmap()
}
