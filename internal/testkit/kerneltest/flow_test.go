package kerneltest

import (
	"net/netip"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"
)

// TestParseConntrack reads the original direction of nf_conntrack lines
// (the kernel's seq_print format, net/netfilter/nf_conntrack_standalone.c)
// and leaves out protocols the probes do not use.
func TestParseConntrack(t *testing.T) {
	in := []byte(`ipv4     2 tcp      6 117 TIME_WAIT src=10.244.1.1 dst=10.244.1.2 sport=40000 dport=80 src=10.244.1.2 dst=10.244.1.1 sport=80 dport=40000 [ASSURED] mark=0 zone=0 use=2
ipv6     10 udp      17 28 src=fd00:244::1:1 dst=fd00:244::1:2 sport=10001 dport=81 src=fd00:244::1:2 dst=fd00:244::1:1 sport=81 dport=10001 mark=0 zone=0 use=2
ipv6     10 icmpv6   58 29 src=fd00:244::1:1 dst=ff02::2 type=133 code=0 id=0 [UNREPLIED] src=ff02::2 dst=fd00:244::1:1 type=129 code=0 id=0 mark=0 zone=0 use=2
`)
	got, err := parseConntrack(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Flow{
		{Src: netip.MustParseAddr("10.244.1.1"), Dst: netip.MustParseAddr("10.244.1.2"), Proto: portset.TCP, SPort: 40000, DPort: 80},
		{Src: netip.MustParseAddr("fd00:244::1:1"), Dst: netip.MustParseAddr("fd00:244::1:2"), Proto: portset.UDP, SPort: 10001, DPort: 81},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := parseConntrack([]byte("ipv4 2 tcp x 1 src=1.2.3.4\n")); err == nil {
		t.Error("a bad protocol number parsed")
	}
}

// TestParsePacket reads an nflog payload: an IPv4 TCP SYN's and an IPv6
// UDP datagram's addresses and ports; ICMP is no probe.
func TestParsePacket(t *testing.T) {
	v4 := make([]byte, 40)
	v4[0], v4[9] = 0x45, 6
	copy(v4[12:], []byte{10, 244, 1, 1, 10, 244, 1, 2})
	v4[20], v4[21], v4[22], v4[23] = 0x9c, 0x40, 0, 80 // 40000 → 80
	f, ok := parsePacket(v4)
	if !ok || f.String() != "10.244.1.1 -> 10.244.1.2 TCP/80" || f.SPort != 40000 {
		t.Errorf("IPv4: %v %v", f, ok)
	}
	v6 := make([]byte, 48)
	v6[0], v6[6] = 0x60, 17
	src, dst := netip.MustParseAddr("fd00::1").As16(), netip.MustParseAddr("fd00::2").As16()
	copy(v6[8:], src[:])
	copy(v6[24:], dst[:])
	v6[42], v6[43] = 0, 81
	if f, ok := parsePacket(v6); !ok || f.String() != "fd00::1 -> fd00::2 UDP/81" {
		t.Errorf("IPv6: %v %v", f, ok)
	}
	v6[6] = 58
	if _, ok := parsePacket(v6); ok {
		t.Error("ICMPv6 read as a probe")
	}
}

// FuzzParseConntrack: any table text parses or fails, never panics, and
// what parses has both addresses and a probe protocol.
func FuzzParseConntrack(f *testing.F) {
	f.Add([]byte("ipv4 2 tcp 6 117 TIME_WAIT src=10.244.1.1 dst=10.244.1.2 sport=40000 dport=80 src=10.244.1.2\n"))
	f.Add([]byte("ipv6 10 udp 17 28 src=fd00::1 dst=fd00::2 sport=1 dport=2\nipv4 2 sctp 132 1 src= dst=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		flows, err := parseConntrack(data)
		if err != nil {
			return
		}
		for _, fl := range flows {
			if !fl.Src.IsValid() || !fl.Dst.IsValid() || fl.Proto == 0 {
				t.Fatalf("parsed %+v", fl)
			}
		}
	})
}

// FuzzParseLogged: any nflog message body parses or is left out, never
// panics.
func FuzzParseLogged(f *testing.F) {
	f.Add([]byte{8, 0, nfulaPrefix, 0, 'n', 'p', 0, 0})
	f.Add(append([]byte{44, 0, nfulaPayload, 0}, make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if lg, ok := parseLogged(data); ok && (!lg.Src.IsValid() || !lg.Dst.IsValid()) {
			t.Fatalf("parsed %+v", lg)
		}
	})
}
