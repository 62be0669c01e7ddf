package netset

import (
	"math/big"
	"net/netip"
	"slices"
	"testing"
)

func mustRange(t *testing.T, cidr string) Range {
	t.Helper()
	r, err := ParseCIDR(cidr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseCIDR(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":          "ip:10.0.0.0-10.255.255.255",
		"10.1.2.3/16":         "ip:10.1.0.0-10.1.255.255", // host bits masked, as the model reads them
		"::ffff:10.0.0.0/104": "ip:10.0.0.0-10.255.255.255",
		"2001:db8::/126":      "ip:2001:db8::-2001:db8::3",
		"0.0.0.0/0":           "ip:0.0.0.0-255.255.255.255",
	} {
		if got := mustRange(t, in).String(); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	if _, err := ParseCIDR("10.0.0.0/33"); err == nil {
		t.Error("10.0.0.0/33 accepted")
	}
}

func TestParseName(t *testing.T) {
	r := mustRange(t, "203.0.113.0/24")
	if got, ok := ParseName(r.String()); !ok || got != r {
		t.Errorf("round trip: %v %v", got, ok)
	}
	for _, bad := range []string{"203.0.113.0-203.0.113.255", "ip:1.2.3.4", "ip:1.2.3.4-::1", "ip:1.2.3.4-1.2.3.3", "ip:x-y"} {
		if _, ok := ParseName(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBlockAndPrefixes(t *testing.T) {
	s, err := Block("10.0.0.0/24", []string{"10.0.0.128/25", "10.0.0.0/30"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Key(), "10.0.0.4-10.0.0.127,"; got != want {
		t.Errorf("key %s, want %s", got, want)
	}
	var got []string
	for _, p := range s.Prefixes() {
		got = append(got, p.String())
	}
	if want := []string{"10.0.0.4/30", "10.0.0.8/29", "10.0.0.16/28", "10.0.0.32/27", "10.0.0.64/26"}; !slices.Equal(got, want) {
		t.Errorf("prefixes %v, want %v", got, want)
	}
	if !s.Contains(netip.MustParseAddr("10.0.0.4")) || s.Contains(netip.MustParseAddr("10.0.0.3")) || s.Contains(netip.MustParseAddr("10.0.0.128")) {
		t.Error("Contains is wrong at the edges")
	}
	if !s.Contains(netip.MustParseAddr("::ffff:10.0.0.5")) {
		t.Error("an IPv4-mapped address is its IPv4 address")
	}
}

func TestUnionMerge(t *testing.T) {
	s := Set{}.Union(mustRange(t, "10.0.0.0/25")).Union(mustRange(t, "::/0")).Union(mustRange(t, "10.0.0.128/25"))
	if len(s) != 3 || s[2].First.Is4() {
		t.Fatalf("adjacent ranges stay apart, IPv6 last: %v", s)
	}
	if m := s.Merge(); len(m) != 2 || m[0] != mustRange(t, "10.0.0.0/24") {
		t.Errorf("merge: %v", m)
	}
	if u := s.Union(mustRange(t, "10.0.0.0/8")); len(u) != 2 || u[0] != mustRange(t, "10.0.0.0/8") {
		t.Errorf("overlaps merge: %v", u)
	}
}

// FuzzAlgebra checks the set operations and Prefixes against a bitmap of
// a /20 of IPv4 addresses (4,096 bits).
func FuzzAlgebra(f *testing.F) {
	f.Add([]byte{0, 10, 20, 1, 5, 8, 2, 0, 255})
	f.Add([]byte{1, 0, 0, 255, 255, 2, 3, 4, 5, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Set
		var want big.Int
		for len(data) >= 3 {
			op, a, b := data[0]%3, int(data[1])<<4|int(data[2]>>4), int(data[2]&15)<<8
			data = data[3:]
			lo, hi := min(a, a+b), min(4095, a+b)
			r := Range{addr(lo), addr(hi)}
			for i := lo; i <= hi; i++ {
				if op == 2 {
					want.SetBit(&want, i, 0)
				} else {
					want.SetBit(&want, i, 1)
				}
			}
			if op == 2 {
				s = s.Subtract(r)
			} else {
				s = s.Union(r)
			}
		}
		check(t, s, &want)
	})
}

func addr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }

func check(t *testing.T, s Set, want *big.Int) {
	t.Helper()
	if !slices.IsSortedFunc(s, Compare) {
		t.Fatalf("not sorted: %v", s)
	}
	for i := 1; i < len(s); i++ {
		if s[i-1].Overlaps(s[i]) {
			t.Fatalf("overlap: %v", s)
		}
	}
	var fromPrefixes big.Int
	for _, p := range s.Prefixes() {
		r := PrefixRange(p)
		for a := r.First; a.Compare(r.Last) <= 0; a = a.Next() {
			fromPrefixes.SetBit(&fromPrefixes, int(a.As4()[2])<<8|int(a.As4()[3]), 1)
		}
	}
	for i := 0; i < 4096; i++ {
		if in := s.Contains(addr(i)); in != (want.Bit(i) == 1) || fromPrefixes.Bit(i) != want.Bit(i) {
			t.Fatalf("address %d: set %v, prefixes %d, want %d (%v)", i, in, fromPrefixes.Bit(i), want.Bit(i), s)
		}
	}
}

// TestLast checks Last at every prefix length of both families: the
// address lies in the prefix and the next one does not.
func TestLast(t *testing.T) {
	for _, s := range []string{"203.0.113.77", "0.0.0.0", "255.255.255.255", "2001:db8::ab:cd", "::", "ffff::1"} {
		a := netip.MustParseAddr(s)
		for bits := 0; bits <= a.BitLen(); bits++ {
			p := netip.PrefixFrom(a, bits)
			l := Last(p)
			if !p.Contains(l) || l.Is4() != a.Is4() {
				t.Fatalf("Last(%v) = %v: not in the prefix", p, l)
			}
			if n := l.Next(); n.IsValid() && p.Contains(n) {
				t.Fatalf("Last(%v) = %v: %v is in the prefix too", p, l, n)
			}
		}
	}
}
