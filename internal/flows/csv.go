package flows

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"
)

// parseJSON tells a Hubble line from a Calico flow log record by their
// fields.
func parseJSON(text []byte) (*Observation, string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(text, &top); err != nil {
		return nil, "", fmt.Errorf("a JSON record that does not decode: %v", err)
	}
	switch {
	case top["flow"] != nil:
		return parseHubble(top["flow"])
	case top["l4"] != nil || top["IP"] != nil || top["verdict"] != nil:
		return parseHubble(text) // a bare flow.Flow
	case top["source_namespace"] != nil || top["dest_port"] != nil || top["dest_namespace"] != nil:
		return parseCalico(text)
	case top["node_status"] != nil || top["lost_events"] != nil:
		return nil, "Hubble event that is not a flow", nil
	}
	return nil, "", fmt.Errorf("a JSON record that is neither a Hubble flow (\"flow\", \"IP\", \"l4\") nor a Calico flow log record (\"source_namespace\", \"dest_port\")")
}

// parseCSV reads `src,dst,port/proto[,count]`: ends as `ns/workload`,
// `ip:ADDR` (or a bare address) or, as destination, `fqdn:NAME`; the port
// as `TCP/80`, `80/TCP` or `80` (TCP).
func parseCSV(text string, line int) (*Observation, string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil, "", fmt.Errorf("CSV: %v", err)
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	if line == 1 && len(rec) > 0 && strings.EqualFold(rec[0], "src") {
		return nil, "", nil // the header
	}
	if len(rec) < 3 || len(rec) > 4 {
		return nil, "", fmt.Errorf("CSV: %d fields, want src,dst,port/proto[,count]", len(rec))
	}
	o := &Observation{Count: 1}
	if o.Src, err = csvPeer(rec[0], false); err != nil {
		return nil, "", fmt.Errorf("src: %v", err)
	}
	if o.Dst, err = csvPeer(rec[1], true); err != nil {
		return nil, "", fmt.Errorf("dst: %v", err)
	}
	if o.Protocol, o.Port, err = csvPort(rec[2]); err != nil {
		return nil, "", err
	}
	if len(rec) == 4 {
		n, err := strconv.ParseInt(rec[3], 10, 64)
		if err != nil || n < 1 {
			return nil, "", fmt.Errorf("count %q: want a whole number of at least 1", rec[3])
		}
		o.Count = n
	}
	return o, "", nil
}

// csvPeer reads one end.
func csvPeer(s string, dst bool) (Peer, error) {
	if name, ok := strings.CutPrefix(s, "fqdn:"); ok {
		if !dst || name == "" {
			return Peer{}, fmt.Errorf("%q: a DNS name is a destination only", s)
		}
		return Peer{FQDN: strings.ToLower(strings.TrimSuffix(name, "."))}, nil
	}
	if ns, name, ok := strings.Cut(s, "/"); ok && !strings.Contains(name, "/") && ns != "" && name != "" && !strings.Contains(s, ":") {
		return Peer{Namespace: ns, Workload: name}, nil
	}
	a, err := netip.ParseAddr(strings.TrimPrefix(s, "ip:"))
	if err != nil {
		return Peer{}, fmt.Errorf("%q: want ns/workload, ip:ADDR or fqdn:NAME", s)
	}
	return Peer{IP: a}, nil
}

// csvPort reads `TCP/80`, `80/TCP` or `80`.
func csvPort(s string) (portset.Protocol, int32, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		a, b = "TCP", s
	}
	if _, err := strconv.Atoi(a); err == nil {
		a, b = b, a
	}
	proto, err := portset.ParseProtocol(strings.ToUpper(a))
	if err != nil {
		return 0, 0, fmt.Errorf("port %q: %v", s, err)
	}
	n, err := strconv.Atoi(b)
	if err != nil || n < 1 || n > 65535 {
		return 0, 0, fmt.Errorf("port %q: want TCP/80, 80/TCP or 80", s)
	}
	return proto, int32(n), nil
}
