// Package explain answers "may SRC reach DST (on PORT)?" from the
// evaluation model: the verdict per direction, the policies that isolate
// each end and the rules that decide, each with its origin. Package
// internal/render prints the answer.
package explain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// Explanation is the answer to "may SRC reach DST (on PORT)?".
type Explanation struct {
	Src, Dst string
	// Port is the queried port ("TCP/5432"), or "" for all ports.
	Port string
	// Allowed is the allowed port set (all-ports query) …
	Allowed portset.Set
	// … or the verdict on one port.
	Verdict *enforcer.Verdict
	// Parts are set instead when an end is a Service ("ns/svc/name"):
	// one explanation per workload behind it and target port (service.go).
	Parts []*Explanation
	// Via says which service port a part stands for ("service port 80").
	Via string
}

// Explain evaluates a connection. portSpec is "", "TCP/80", "80", "UDP/53",
// "http" or "UDP/dns" (named ports resolve on the destination). Either end
// may be a Service, "namespace/svc/name" (or "svc/name" when one namespace
// has a Service of that name): it stands for the workloads behind it, and
// as the destination on its target ports, portSpec naming a service port.
func Explain(m *enforcer.Model, src, dst, portSpec string) (*Explanation, error) {
	ex, err := explainServices(m, src, dst, portSpec)
	if errors.Is(err, enforcer.ErrUnknownEndpoint) {
		err = fmt.Errorf("%w (known workloads: %s; or an address outside them, such as 203.0.113.5 or ip:203.0.113.5, or a DNS name as destination, such as fqdn:api.example.com)", err, knownEndpoints(m, 8))
	}
	return ex, err
}

// knownEndpoints lists up to n endpoint names, for error messages.
func knownEndpoints(m *enforcer.Model, n int) string {
	eps := m.Endpoints()
	var names []string
	for i, ep := range eps {
		if i == n {
			names = append(names, fmt.Sprintf("… and %d more", len(eps)-n))
			break
		}
		names = append(names, ep.ID())
	}
	if len(names) == 0 {
		return "none: give workloads with --manifests or declare them in the intents"
	}
	return strings.Join(names, ", ")
}

func explain(m *enforcer.Model, src, dst, portSpec string) (*Explanation, error) {
	ex := &Explanation{Src: src, Dst: dst}
	if portSpec == "" {
		// The isolation lists do not depend on the port: evaluate one to
		// show them, and report the allowed set from the matrix.
		v, err := m.Verdict(src, dst, portset.TCP, 1)
		if err != nil {
			return nil, err
		}
		ex.Verdict = &v
		ex.Allowed = m.Matrix().Ports(src, dst)
		return ex, nil
	}
	proto, port, err := resolvePort(m, dst, portSpec)
	if err != nil {
		return nil, err
	}
	v, err := m.Verdict(src, dst, proto, port)
	if err != nil {
		return nil, err
	}
	ex.Port = portset.Port(proto, port).String()
	ex.Verdict = &v
	return ex, nil
}

// resolvePort parses a port spec, resolving a name on the destination.
func resolvePort(m *enforcer.Model, dst, spec string) (portset.Protocol, int32, error) {
	protoStr, rest, hasProto := strings.Cut(spec, "/")
	if !hasProto {
		protoStr, rest = "", spec
	}
	var protos []portset.Protocol
	if protoStr == "" {
		protos = []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP}
	} else {
		p, err := portset.ParseProtocol(protoStr)
		if err != nil {
			return 0, 0, err
		}
		protos = []portset.Protocol{p}
	}
	if n, err := strconv.Atoi(rest); err == nil {
		if n < 1 || n > 65535 {
			return 0, 0, fmt.Errorf("port %d is out of range (1-65535)", n)
		}
		return protos[0], int32(n), nil
	}
	for _, p := range protos {
		if n, err := m.NamedPort(dst, rest, p); err == nil {
			return p, n, nil
		}
	}
	return 0, 0, fmt.Errorf("%s declares no port named %q", dst, rest)
}
