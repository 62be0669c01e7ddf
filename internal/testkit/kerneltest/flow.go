package kerneltest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"
)

// Flow is what a packet or a connection says of a probe: its addresses,
// its transport protocol and ports. SPort tells connections of the same
// probe apart (ProbeFlow leaves it 0; Key drops it).
type Flow struct {
	Src, Dst     netip.Addr
	Proto        portset.Protocol
	SPort, DPort int32
}

// Key is the flow without its source port: what a probe is.
func (f Flow) Key() Flow { f.SPort = 0; return f }

// String renders "SRC -> DST TCP/80".
func (f Flow) String() string { return fmt.Sprintf("%s -> %s %s/%d", f.Src, f.Dst, f.Proto, f.DPort) }

// Logged is one packet a log statement sent to an nflog group: the
// statement's prefix and the packet's flow.
type Logged struct {
	Prefix string
	Flow
}

// IP protocol numbers of the probes' protocols.
var ipProtos = map[byte]portset.Protocol{6: portset.TCP, 17: portset.UDP, 132: portset.SCTP}

// withTransport completes f from the transport header: false for other
// protocols (ICMP, neighbour discovery) or a header cut short.
func (f Flow) withTransport(proto byte, l4 []byte) (Flow, bool) {
	p, ok := ipProtos[proto]
	if !ok || len(l4) < 4 {
		return Flow{}, false
	}
	f.Proto = p
	f.SPort, f.DPort = int32(binary.BigEndian.Uint16(l4[0:2])), int32(binary.BigEndian.Uint16(l4[2:4]))
	return f, true
}

// parseConntrack reads nf_conntrack lines ("ipv4 2 tcp 6 117 TIME_WAIT
// src=… dst=… sport=… dport=… src=… (reply) …"): the first src, dst and
// dport are the original direction's.
func parseConntrack(data []byte) ([]Flow, error) {
	var out []Flow
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 {
			continue
		}
		num, err := strconv.Atoi(fields[3])
		if err != nil {
			return nil, fmt.Errorf("conntrack line %q: %v", sc.Text(), err)
		}
		proto, ok := ipProtos[byte(num)]
		if !ok {
			continue
		}
		f := Flow{Proto: proto}
		seen := map[string]bool{}
		for _, kv := range fields[4:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || seen[k] {
				continue
			}
			seen[k] = true
			switch k {
			case "src":
				f.Src, err = netip.ParseAddr(v)
			case "dst":
				f.Dst, err = netip.ParseAddr(v)
			case "sport", "dport":
				var n int
				n, err = strconv.Atoi(v)
				if k == "sport" {
					f.SPort = int32(n)
				} else {
					f.DPort = int32(n)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("conntrack line %q: %v", sc.Text(), err)
			}
		}
		if f.Src.IsValid() && f.Dst.IsValid() {
			out = append(out, f)
		}
	}
	return out, sc.Err()
}

// parsePacket reads the addresses, transport protocol and destination
// port of an IPv4 or IPv6 packet (no IPv6 extension headers: the probes
// send none).
func parsePacket(p []byte) (Flow, bool) {
	var f Flow
	var proto byte
	var l4 []byte
	switch {
	case len(p) >= 20 && p[0]>>4 == 4:
		ihl := int(p[0]&0xf) * 4
		f.Src, _ = netip.AddrFromSlice(p[12:16])
		f.Dst, _ = netip.AddrFromSlice(p[16:20])
		proto = p[9]
		if ihl <= len(p) {
			l4 = p[ihl:]
		}
	case len(p) >= 40 && p[0]>>4 == 6:
		f.Src, _ = netip.AddrFromSlice(p[8:24])
		f.Dst, _ = netip.AddrFromSlice(p[24:40])
		proto, l4 = p[6], p[40:]
	default:
		return Flow{}, false
	}
	return f.withTransport(proto, l4)
}

// Attributes of an nflog packet message (nfnetlink_log.h) and the mask of
// an attribute's type (netlink.h, NLA_TYPE_MASK).
const (
	nfulaPayload = 9
	nfulaPrefix  = 10
	nlaTypeMask  = 0x3fff
)

// parseLogged reads a packet message's attributes: the prefix and the
// packet's flow.
func parseLogged(attrs []byte) (Logged, bool) {
	var lg Logged
	var ok bool
	for len(attrs) >= 4 {
		n := int(binary.NativeEndian.Uint16(attrs))
		typ := binary.NativeEndian.Uint16(attrs[2:]) & nlaTypeMask
		if n < 4 || n > len(attrs) {
			break
		}
		data := attrs[4:n]
		switch typ {
		case nfulaPrefix:
			lg.Prefix = string(trimNUL(data))
		case nfulaPayload:
			lg.Flow, ok = parsePacket(data)
		}
		attrs = attrs[min(len(attrs), (n+3)&^3):]
	}
	return lg, ok
}

func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
