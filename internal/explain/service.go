package explain

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// explainServices expands Service ends into their workloads and explains
// each connection; without a Service it is explain.
func explainServices(m *enforcer.Model, src, dst, portSpec string) (*Explanation, error) {
	srcSvc, isSrc, err := lookupService(m, src)
	if err != nil {
		return nil, err
	}
	dstSvc, isDst, err := lookupService(m, dst)
	if err != nil {
		return nil, err
	}
	if !isSrc && !isDst {
		return explain(m, src, dst, portSpec)
	}
	srcs := []string{src}
	if isSrc {
		if srcs = serviceWorkloads(srcSvc); len(srcs) == 0 {
			return nil, fmt.Errorf("Service %s reaches no workload: %s", srcSvc.ID(), srcSvc.Note)
		}
	}
	type leg struct{ dst, port, via string }
	legs := []leg{{dst, portSpec, ""}}
	if isDst {
		ports, err := servicePorts(dstSvc, portSpec)
		if err != nil {
			return nil, err
		}
		legs = legs[:0]
		for _, p := range ports {
			via := fmt.Sprintf("service port %s/%d", p.Protocol, p.Port)
			for _, t := range p.Targets {
				legs = append(legs, leg{t.Endpoint, portset.Port(t.Protocol, t.Port).String(), via})
			}
		}
		if len(legs) == 0 {
			return nil, fmt.Errorf("Service %s reaches no workload on %s: %s", dstSvc.ID(), cmpOr(portSpec, "any port"), cmpOr(dstSvc.Note, "no workload serves its port"))
		}
	}
	ex := &Explanation{Src: src, Dst: dst, Port: portSpec, Parts: []*Explanation{}}
	for _, s := range srcs {
		for _, l := range legs {
			if s == l.dst {
				continue // a workload talking to itself
			}
			part, err := explain(m, s, l.dst, l.port)
			if err != nil {
				return nil, err
			}
			part.Via = l.via
			ex.Parts = append(ex.Parts, part)
		}
	}
	if len(ex.Parts) == 0 {
		return nil, fmt.Errorf("every workload behind %s is %s itself", dst, src)
	}
	return ex, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lookupService finds the Service an end names: "ns/svc/name", or
// "svc/name" when no workload has that name and exactly one namespace has
// a Service called name.
func lookupService(m *enforcer.Model, name string) (inventory.Service, bool, error) {
	parts := strings.Split(name, "/")
	switch {
	case len(parts) == 3 && parts[1] == "svc":
		if s, ok := m.Service(name); ok {
			return s, true, nil
		}
		return inventory.Service{}, false, fmt.Errorf("%w: Service %s (known Services: %s)", enforcer.ErrUnknownEndpoint, name, knownServices(m))
	case len(parts) == 2 && parts[0] == "svc" && !isWorkload(m, name):
		var found []string
		for _, id := range m.Services() {
			if strings.HasSuffix(id, "/svc/"+parts[1]) {
				found = append(found, id)
			}
		}
		if len(found) != 1 {
			return inventory.Service{}, false, fmt.Errorf("%w: %s names %d Services (%s): write namespace/svc/name",
				enforcer.ErrUnknownEndpoint, name, len(found), strings.Join(found, ", "))
		}
		s, _ := m.Service(found[0])
		return s, true, nil
	}
	return inventory.Service{}, false, nil
}

func isWorkload(m *enforcer.Model, id string) bool {
	for _, ep := range m.Endpoints() {
		if ep.ID() == id {
			return true
		}
	}
	return false
}

func knownServices(m *enforcer.Model) string {
	ids := m.Services()
	if len(ids) == 0 {
		return "none: give Services with --manifests"
	}
	if len(ids) > 8 {
		ids = append(ids[:8], fmt.Sprintf("… and %d more", len(ids)-8))
	}
	return strings.Join(ids, ", ")
}

// serviceWorkloads lists the workloads behind any port of a Service.
func serviceWorkloads(s inventory.Service) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range s.Ports {
		for _, t := range p.Targets {
			if !seen[t.Endpoint] {
				seen[t.Endpoint] = true
				out = append(out, t.Endpoint)
			}
		}
	}
	return out
}

// servicePorts picks the service ports a port spec names: all for "",
// else by number or name ("80", "TCP/80", "http").
func servicePorts(s inventory.Service, spec string) ([]inventory.ServicePort, error) {
	if spec == "" {
		return s.Ports, nil
	}
	protoStr, rest, hasProto := strings.Cut(spec, "/")
	if !hasProto {
		protoStr, rest = "", spec
	}
	var out []inventory.ServicePort
	for _, p := range s.Ports {
		if protoStr != "" && !strings.EqualFold(protoStr, p.Protocol.String()) {
			continue
		}
		if n, err := strconv.Atoi(rest); (err == nil && int32(n) == p.Port) || (err != nil && rest == p.Name) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		have := make([]string, len(s.Ports))
		for i, p := range s.Ports {
			have[i] = fmt.Sprintf("%s/%d", p.Protocol, p.Port)
			if p.Name != "" {
				have[i] += " (" + p.Name + ")"
			}
		}
		return nil, fmt.Errorf("Service %s has no port %s (its ports: %s)", s.ID(), spec, strings.Join(have, ", "))
	}
	return out, nil
}

// Holds reports whether the explained connection is allowed (allowed
// true) or denied (false): for a Service, every connection it stands for.
func (ex *Explanation) Holds(allowed bool) bool {
	if ex.Parts == nil {
		return ex.allowed() == allowed
	}
	for _, p := range ex.Parts {
		if p.allowed() != allowed {
			return false
		}
	}
	return true
}

// allowed is a single explanation's answer (an all-ports query: anything
// allowed).
func (ex *Explanation) allowed() bool {
	if ex.Port == "" && ex.Verdict != nil {
		return !ex.Allowed.IsEmpty()
	}
	return ex.Verdict != nil && ex.Verdict.Allowed
}

// State is "allowed", "denied" or, for a Service whose connections
// differ, "partly allowed".
func (ex *Explanation) State() string {
	switch {
	case ex.Holds(true):
		return "allowed"
	case ex.Holds(false):
		return "denied"
	}
	return "partly allowed"
}
