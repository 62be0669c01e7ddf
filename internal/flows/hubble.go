package flows

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netpolc/netpolc/internal/portset"
)

// skipReply is the skip reason of reply traffic (Set.Replies).
const skipReply = "reply"

// hubbleFlow is the part of a Hubble flow netpolc reads, in the JSON
// `hubble observe -o json` prints: a GetFlowsResponse whose "flow" is a
// flow.Flow marshalled with the proto field names (cilium/cilium
// api/v1/flow/flow.proto; flow.pb.json.go: protojson UseProtoNames).
type hubbleFlow struct {
	// Time is the flow's google.protobuf.Timestamp, which protojson
	// writes as RFC 3339 in UTC.
	Time    string `json:"time"`
	Verdict string `json:"verdict"`
	IP      *struct {
		Source      string `json:"source"`
		Destination string `json:"destination"`
	} `json:"IP"`
	L4 *struct {
		TCP  *hubblePorts `json:"TCP"`
		UDP  *hubblePorts `json:"UDP"`
		SCTP *hubblePorts `json:"SCTP"`
	} `json:"l4"`
	Source      *hubbleEndpoint `json:"source"`
	Destination *hubbleEndpoint `json:"destination"`
	IsReply     *bool           `json:"is_reply"`
}

type hubblePorts struct {
	DestinationPort uint32 `json:"destination_port"`
}

type hubbleEndpoint struct {
	Namespace string   `json:"namespace"`
	Labels    []string `json:"labels"`
	PodName   string   `json:"pod_name"`
	Workloads []struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	} `json:"workloads"`
}

// parseHubble reads one Hubble flow (the "flow" of a response line).
// Every flow Hubble observed counts, whatever its verdict: replay asks
// what the intents would do with the traffic, not what the cluster did.
func parseHubble(raw json.RawMessage) (*Observation, string, error) {
	var f hubbleFlow
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, "", fmt.Errorf("a Hubble flow that does not decode: %v", err)
	}
	if f.IsReply != nil && *f.IsReply {
		return nil, skipReply, nil
	}
	o := &Observation{Count: 1}
	if f.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, f.Time)
		if err != nil {
			return nil, "", fmt.Errorf("Hubble flow time %q is not RFC 3339", f.Time)
		}
		o.First, o.Last = t.UTC(), t.UTC()
	}
	var ports *hubblePorts
	switch {
	case f.L4 == nil:
		return nil, "Hubble flow without an L4 part (ICMP or L7 only)", nil
	case f.L4.TCP != nil:
		o.Protocol, ports = portset.TCP, f.L4.TCP
	case f.L4.UDP != nil:
		o.Protocol, ports = portset.UDP, f.L4.UDP
	case f.L4.SCTP != nil:
		o.Protocol, ports = portset.SCTP, f.L4.SCTP
	default:
		return nil, "Hubble flow of a protocol without ports (ICMP, VRRP, IGMP)", nil
	}
	if ports.DestinationPort < 1 || ports.DestinationPort > 65535 {
		return nil, "", fmt.Errorf("Hubble flow with destination port %d", ports.DestinationPort)
	}
	o.Port = int32(ports.DestinationPort)
	var src, dst string
	if f.IP != nil {
		src, dst = f.IP.Source, f.IP.Destination
	}
	var err error
	if o.Src, err = hubblePeer(f.Source, src); err != nil {
		return nil, "", fmt.Errorf("source: %v", err)
	}
	if o.Dst, err = hubblePeer(f.Destination, dst); err != nil {
		return nil, "", fmt.Errorf("destination: %v", err)
	}
	return o, "", nil
}

// hubblePeer reads an endpoint: its labels are "source:key=value"
// ("k8s:app=web", "reserved:world"); the k8s ones are the pod's labels.
func hubblePeer(e *hubbleEndpoint, ip string) (Peer, error) {
	var p Peer
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return p, fmt.Errorf("address %q: %v", ip, err)
		}
		p.IP = a
	}
	if e == nil {
		return p, nil
	}
	p.Namespace, p.Pod = e.Namespace, e.PodName
	for _, w := range e.Workloads {
		if p.Workload == "" && w.Name != "" {
			p.Workload = w.Name
		}
	}
	for _, l := range e.Labels {
		src, kv, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case src == "reserved":
			p.Reserved = k
		case src == "k8s" && !strings.HasPrefix(k, "io.kubernetes.") && !strings.HasPrefix(k, "io.cilium."):
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels[k] = v
		}
	}
	return p, nil
}
