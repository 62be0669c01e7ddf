package cilium

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
)

// FQDN rules, with Cilium's semantics (cilium pkg/policy/api/fqdn.go,
// pkg/fqdn/matchpattern/matchpattern.go, Documentation/security/dns.rst):
//
//   - toFQDNs matchName is one name, matchPattern "*.x" one label left of
//     x and "**.x" one or more; names compare lower-cased with a trailing
//     dot. Other patterns ("a*.x", a bare "*") are ErrUnsupported.
//   - toFQDNs allow the addresses the endpoint's DNS proxy saw the names
//     resolve to, so a name only matches something when a DNS rule sends
//     the endpoint's lookups of it through the proxy: an egress rule of the
//     same policy towards endpoints on port 53 (UDP or ANY) whose
//     rules.dns patterns cover the name. A name without one matches no
//     address: the reading leaves it out and the proof fails on the flows
//     it should allow. (Cilium also honours a DNS rule of another policy
//     selecting the endpoint; reading only the same policy's is narrower,
//     never wider. The reading cannot check that the rule's endpoints are
//     the resolver the pods use: the emitter targets cluster.dns.)
//   - Layer-7 DNS rules do not change layer-4 connectivity.

// fqdnNames reads toFQDNs selectors as model names.
func fqdnNames(sels []ciliumapi.FQDNSelector) ([]string, error) {
	var out []string
	for _, s := range sels {
		var name string
		switch {
		case s.MatchName == "" && s.MatchPattern == "":
			return nil, invalid("toFQDNs entry sets neither matchName nor matchPattern")
		case s.MatchName != "" && s.MatchPattern != "":
			return nil, invalid("toFQDNs entry sets both matchName and matchPattern")
		case s.MatchName != "":
			if strings.Contains(s.MatchName, "*") {
				return nil, invalid("matchName %q: no wildcards in a name", s.MatchName)
			}
			name = s.MatchName
		case strings.Trim(s.MatchPattern, "*.") == "":
			return nil, unsupported("matchPattern %q (every name)", s.MatchPattern)
		default:
			name = s.MatchPattern
		}
		n, err := enforcer.ParseFQDN(name)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// dnsPatterns are the names a rule's DNS rules let the proxy see: its
// rules.dns selectors, when the rule names endpoints and its port rule
// includes port 53 over UDP.
func dnsPatterns(r ciliumapi.EgressRule) []string {
	if len(r.ToEndpoints) == 0 {
		return nil
	}
	var out []string
	for _, pr := range r.ToPorts {
		if pr.Rules == nil || !has53(pr.Ports) {
			continue
		}
		for _, s := range pr.Rules.DNS {
			if s.MatchName != "" {
				out = append(out, s.MatchName)
			} else if s.MatchPattern != "" {
				out = append(out, s.MatchPattern)
			}
		}
	}
	return out
}

// has53 reports whether ports include UDP port 53.
func has53(ports []ciliumapi.PortProtocol) bool {
	for _, p := range ports {
		proto := strings.ToUpper(p.Protocol)
		n, err := strconv.Atoi(p.Port)
		if err != nil || (proto != "" && proto != "ANY" && proto != "UDP") {
			continue
		}
		if n == 53 || (n == 0) || (n < 53 && int(p.EndPort) >= 53) {
			return true
		}
	}
	return false
}

// visible keeps the names some DNS pattern covers. Cilium's matchPattern
// "*" (and "**.") covers every name.
func visible(names, patterns []string) []string {
	var out []string
	for _, n := range names {
		for _, p := range patterns {
			if strings.Trim(p, "*.") == "" {
				p = "*"
			}
			if ok, err := enforcer.FQDNCovers(p, n); err == nil && ok {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// fqdnRules are the policy's toFQDNs rules, each with the names its DNS
// rules make visible.
func (pp *parsedPolicy) fqdnRules() []enforcer.FQDNEgress {
	var patterns []string
	for _, r := range pp.src.Spec.Egress {
		patterns = append(patterns, dnsPatterns(r)...)
	}
	var out []enforcer.FQDNEgress
	for i, r := range pp.rules[1] {
		if len(r.fqdns) == 0 {
			continue
		}
		out = append(out, enforcer.FQDNEgress{
			Namespace: pp.src.Namespace, Name: pp.src.Name, Origin: origins(pp.src.Annotations)[enforcer.OriginsAnnotation],
			Index: i, Subject: pp.subject, Names: visible(r.fqdns, patterns), Ports: r.ports.npPorts(),
		})
	}
	return out
}

// fqdnError names a toFQDNs problem.
func fqdnError(err error) error {
	return fmt.Errorf("toFQDNs: %w", err)
}
