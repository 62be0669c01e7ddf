package flows

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/netpolc/netpolc/internal/portset"
)

// calicoFlow is the part of a Calico flow log record netpolc reads
// (docs.tigera.io "Flow log data types": source_/dest_ namespace,
// name_aggr, type, ip, labels, dest_port, proto, num_flows, reporter).
// Aggregated records name pods by prefix ("web-5f7d8b-*"); "-" means
// not known.
type calicoFlow struct {
	SourceNamespace string          `json:"source_namespace"`
	SourceName      string          `json:"source_name"`
	SourceNameAggr  string          `json:"source_name_aggr"`
	SourceIP        *string         `json:"source_ip"`
	SourceType      string          `json:"source_type"`
	SourceLabels    json.RawMessage `json:"source_labels"`
	DestNamespace   string          `json:"dest_namespace"`
	DestName        string          `json:"dest_name"`
	DestNameAggr    string          `json:"dest_name_aggr"`
	DestIP          *string         `json:"dest_ip"`
	DestType        string          `json:"dest_type"`
	DestLabels      json.RawMessage `json:"dest_labels"`
	DestPort        *json.Number    `json:"dest_port"`
	Proto           string          `json:"proto"`
	NumFlows        *int64          `json:"num_flows"`
	// StartTime and EndTime bound the aggregation interval, in seconds
	// since the epoch.
	StartTime *json.Number `json:"start_time"`
	EndTime   *json.Number `json:"end_time"`
}

// parseCalico reads one flow log record.
func parseCalico(raw []byte) (*Observation, string, error) {
	var f calicoFlow
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, "", fmt.Errorf("a Calico flow log record that does not decode: %v", err)
	}
	proto, ok := calicoProto(f.Proto)
	if !ok {
		return nil, "Calico flow of a protocol without ports (" + f.Proto + ")", nil
	}
	if f.DestPort == nil {
		return nil, "Calico flow without dest_port", nil
	}
	port, err := strconv.Atoi(f.DestPort.String())
	if err != nil || port < 1 || port > 65535 {
		return nil, "", fmt.Errorf("dest_port %s is not a port", f.DestPort)
	}
	o := &Observation{Protocol: proto, Port: int32(port), Count: 1}
	if f.NumFlows != nil {
		if *f.NumFlows < 0 {
			return nil, "", fmt.Errorf("num_flows %d is negative", *f.NumFlows)
		}
		o.Count = *f.NumFlows
	}
	if o.First, o.Last, err = calicoTimes(f.StartTime, f.EndTime); err != nil {
		return nil, "", err
	}
	if o.Src, err = calicoPeer(f.SourceNamespace, first(f.SourceName, f.SourceNameAggr), f.SourceIP, f.SourceType, f.SourceLabels); err != nil {
		return nil, "", fmt.Errorf("source: %v", err)
	}
	if o.Dst, err = calicoPeer(f.DestNamespace, first(f.DestName, f.DestNameAggr), f.DestIP, f.DestType, f.DestLabels); err != nil {
		return nil, "", fmt.Errorf("destination: %v", err)
	}
	return o, "", nil
}

// calicoTimes reads the interval's bounds (both or neither; end not
// before start).
func calicoTimes(start, end *json.Number) (time.Time, time.Time, error) {
	if start == nil || end == nil {
		return time.Time{}, time.Time{}, nil
	}
	s, err1 := strconv.ParseInt(start.String(), 10, 64)
	e, err2 := strconv.ParseInt(end.String(), 10, 64)
	if err1 != nil || err2 != nil || s < 0 || e < s || e > 1<<40 {
		return time.Time{}, time.Time{}, fmt.Errorf("start_time %s and end_time %s are not an interval in seconds since the epoch", start, end)
	}
	return time.Unix(s, 0).UTC(), time.Unix(e, 0).UTC(), nil
}

// calicoProto reads "tcp", "udp", "sctp" or their protocol numbers.
func calicoProto(s string) (portset.Protocol, bool) {
	switch strings.ToLower(s) {
	case "tcp", "6":
		return portset.TCP, true
	case "udp", "17":
		return portset.UDP, true
	case "sctp", "132":
		return portset.SCTP, true
	}
	return 0, false
}

func first(a, b string) string {
	if a != "" && a != "-" {
		return a
	}
	return b
}

// calicoPeer reads one end. Types: wep a pod (workload endpoint), hep a
// host endpoint, ns a network set, net a network outside the cluster.
func calicoPeer(ns, name string, ip *string, typ string, labels json.RawMessage) (Peer, error) {
	var p Peer
	if ip != nil && *ip != "" && *ip != "-" {
		a, err := netip.ParseAddr(*ip)
		if err != nil {
			return p, fmt.Errorf("address %q: %v", *ip, err)
		}
		p.IP = a
	}
	switch typ {
	case "hep":
		p.Reserved = "host endpoint"
		return p, nil
	case "wep":
		if ns != "-" {
			p.Namespace = ns
		}
		if name != "-" {
			p.Pod = name
		}
	}
	p.Labels = calicoLabels(labels)
	return p, nil
}

// calicoLabels reads labels written as {"labels": ["k=v", ...]} or as a
// map; anything else reads as none.
func calicoLabels(raw json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var list struct {
		Labels []string `json:"labels"`
	}
	if json.Unmarshal(raw, &list) == nil && len(list.Labels) > 0 {
		out := map[string]string{}
		for _, l := range list.Labels {
			if k, v, ok := strings.Cut(l, "="); ok {
				out[k] = v
			}
		}
		return out
	}
	var m map[string]string
	if json.Unmarshal(raw, &m) == nil && len(m) > 0 {
		return m
	}
	return nil
}
