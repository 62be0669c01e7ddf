package enforcer

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/internal/portset"
)

// KindExternal is the Kind of the external peers ("ip:FIRST-LAST") in a
// Connectivity.
const KindExternal = "External"

// Connectivity is the connectivity matrix: every endpoint and external
// peer, and every ordered pair of them with something allowed. Its JSON
// form is the ARCHITECTURE.md §3 contract.
type Connectivity struct {
	// Endpoints are the workloads, sorted by name, then the external peers,
	// IPv4 before IPv6, by address.
	Endpoints []Endpoint
	// Connections are sorted by source, then destination, in the order of
	// Endpoints (see CompareNames). Self-pairs and pairs with nothing
	// allowed are absent.
	Connections []Connection
}

// Endpoint is one node of the matrix.
type Endpoint struct {
	Name      string `json:"name"` // "namespace/name", "ip:FIRST-LAST" or "fqdn:NAME"
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"` // Deployment, ..., Pod, or External
}

// Connection is what src may open to dst.
type Connection struct {
	Src, Dst string
	Ports    portset.Set // never empty
}

type jsonConnectivity struct {
	Endpoints   []Endpoint       `json:"endpoints"`
	Connections []jsonConnection `json:"connections"`
}

type jsonConnection struct {
	Src   string   `json:"src"`
	Dst   string   `json:"dst"`
	All   bool     `json:"all"`
	Ports []string `json:"ports"`
}

// MarshalJSON writes the ARCHITECTURE.md §3 form: "all": true with empty "ports"
// for every port and protocol, otherwise the sorted, merged port strings.
func (c *Connectivity) MarshalJSON() ([]byte, error) {
	out := jsonConnectivity{Endpoints: c.Endpoints, Connections: make([]jsonConnection, len(c.Connections))}
	if out.Endpoints == nil {
		out.Endpoints = []Endpoint{}
	}
	for i, conn := range c.Connections {
		jc := jsonConnection{Src: conn.Src, Dst: conn.Dst, All: conn.Ports.IsAll(), Ports: []string{}}
		if !jc.All {
			jc.Ports = conn.Ports.Strings()
		}
		out.Connections[i] = jc
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the ARCHITECTURE.md §3 form and sorts it.
func (c *Connectivity) UnmarshalJSON(data []byte) error {
	var in jsonConnectivity
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	c.Endpoints, c.Connections = in.Endpoints, nil
	for _, jc := range in.Connections {
		ports := portset.All()
		if !jc.All {
			var err error
			if ports, err = portset.Parse(strings.Join(jc.Ports, ",")); err != nil {
				return fmt.Errorf("connection %s -> %s: %w", jc.Src, jc.Dst, err)
			}
		}
		if !ports.IsEmpty() {
			c.Connections = append(c.Connections, Connection{Src: jc.Src, Dst: jc.Dst, Ports: ports})
		}
	}
	c.Sort()
	return nil
}

// Sort puts endpoints and connections in the canonical order.
func (c *Connectivity) Sort() {
	slices.SortFunc(c.Endpoints, func(a, b Endpoint) int { return CompareNames(a.Name, b.Name) })
	slices.SortFunc(c.Connections, compareConnections)
}

func compareConnections(a, b Connection) int {
	return cmp.Or(CompareNames(a.Src, b.Src), CompareNames(a.Dst, b.Dst))
}

// CompareNames is the canonical order of matrix node names: workloads
// ("namespace/name") alphabetically, then external peers ("ip:FIRST-LAST")
// IPv4 before IPv6, by first then last address, then DNS names
// ("fqdn:api.example.com") alphabetically.
func CompareNames(a, b string) int {
	if a == b {
		// The same node: a run of one source's connections, or the two
		// matrices a proof compares, meet it again and again.
		return 0
	}
	// Most names are pods ("ns/name"): parse only what may be a range
	// (sorting and searching call this millions of times).
	var ra, rb netset.Range
	var aIP, bIP bool
	if strings.HasPrefix(a, netset.NamePrefix) {
		ra, aIP = netset.ParseName(a)
	}
	if strings.HasPrefix(b, netset.NamePrefix) {
		rb, bIP = netset.ParseName(b)
	}
	aName, bName := strings.HasPrefix(a, FQDNPrefix), strings.HasPrefix(b, FQDNPrefix)
	switch {
	case aName || bName:
		return cmp.Or(cmp.Compare(b2i(aName), b2i(bName)), strings.Compare(a, b))
	case aIP && bIP:
		return cmp.Or(ra.First.Compare(rb.First), ra.Last.Compare(rb.Last))
	case aIP:
		return 1
	case bIP:
		return -1
	}
	return strings.Compare(a, b)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Ports returns what src may open to dst (empty when the pair is absent).
func (c *Connectivity) Ports(src, dst string) portset.Set {
	i, found := slices.BinarySearchFunc(c.Connections, Connection{Src: src, Dst: dst}, compareConnections)
	if !found {
		return portset.Empty()
	}
	return c.Connections[i].Ports
}
