package portset

import (
	"fmt"
	"strconv"
	"strings"
)

// Strings renders s as the connectivity contract does (ARCHITECTURE.md §3): one
// string per merged range, protocols in the order TCP, UDP, SCTP and ports
// ascending — "TCP/80", "TCP/8000-8100", "UDP/53". A protocol whose every
// port is allowed prints as "TCP/1-65535". The empty set gives nil.
func (s Set) Strings() []string {
	if s.d == nil {
		return nil
	}
	var out []string
	for _, p := range Protocols {
		for _, r := range s.Ranges(p) {
			out = append(out, formatRange(p, r))
		}
	}
	return out
}

func formatRange(p Protocol, r Range) string {
	if r.First == r.Last {
		return fmt.Sprintf("%s/%d", p, r.First)
	}
	return fmt.Sprintf("%s/%d-%d", p, r.First, r.Last)
}

// String renders s on one line: "all" for every port and protocol, "none"
// for the empty set, otherwise Strings joined by commas.
func (s Set) String() string {
	switch {
	case s.d == nil:
		return "none"
	case s.d.all:
		return "all"
	}
	return strings.Join(s.Strings(), ",")
}

// Parse reads what String and Strings write: "all", "none", "" (empty), or
// comma-separated items "PROTO", "PROTO/PORT" or "PROTO/FIRST-LAST".
func Parse(s string) (Set, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "all":
		return All(), nil
	case "none", "":
		return Empty(), nil
	}
	var out Set
	for item := range strings.SplitSeq(s, ",") {
		one, err := parseItem(strings.TrimSpace(item))
		if err != nil {
			return Set{}, err
		}
		out = out.Union(one)
	}
	return out, nil
}

func parseItem(item string) (Set, error) {
	protoStr, ports, hasPorts := strings.Cut(item, "/")
	proto, err := ParseProtocol(protoStr)
	if err != nil {
		return Set{}, err
	}
	if !hasPorts {
		return AllPorts(proto), nil
	}
	firstStr, lastStr, isRange := strings.Cut(ports, "-")
	if !isRange {
		lastStr = firstStr
	}
	first, err1 := parsePort(firstStr)
	last, err2 := parsePort(lastStr)
	if err1 != nil || err2 != nil || first > last {
		return Set{}, fmt.Errorf("bad port range %q in %q", ports, item)
	}
	return PortRange(proto, first, last), nil
}

func parsePort(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < MinPort || n > MaxPort {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return int32(n), nil
}
