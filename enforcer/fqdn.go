package enforcer

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/netset"
)

// FQDNPrefix starts the matrix name of a DNS-name endpoint
// ("fqdn:api.example.com").
const FQDNPrefix = "fqdn:"

// fqdnWild is how much of a name an FQDN pattern leaves open.
type fqdnWild uint8

const (
	// fqdnExact is one name: "api.example.com".
	fqdnExact fqdnWild = iota
	// fqdnOneLabel is exactly one label left of the base: "*.example.com"
	// (Cilium matchPattern: "*" matches DNS characters but no dot,
	// cilium pkg/fqdn/matchpattern/matchpattern.go; so neither
	// example.com nor a.b.example.com).
	fqdnOneLabel
	// fqdnLabels is one or more labels left of the base: "**.example.com"
	// (Cilium's "**." prefix; what the admin API's domainNames
	// "*.example.com" means, network-policy-api apis/v1alpha2 DomainName).
	fqdnLabels
	// fqdnAny is every name. It is a peer only (a rule towards every
	// address of both families, or Cilium's matchPattern "*"): no endpoint
	// stands for it.
	fqdnAny
)

// fqdnPattern is a DNS name or a leading-wildcard pattern, lower case and
// without the trailing dot (DNS names compare case-insensitively; Cilium
// lower-cases and adds the dot before matching).
type fqdnPattern struct {
	wild fqdnWild
	base string
}

// ParseFQDN normalises a DNS name or pattern in the model's syntax
// ("api.example.com", "*.example.com", "**.example.com") and returns its
// canonical form. Wildcards other than one leading "*." or "**." are
// ErrUnsupported: the model only knows those.
func ParseFQDN(s string) (string, error) {
	p, err := parseFQDN(s)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

func parseFQDN(s string) (fqdnPattern, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	p := fqdnPattern{base: name}
	switch {
	case strings.HasPrefix(name, "**."):
		p = fqdnPattern{wild: fqdnLabels, base: name[3:]}
	case strings.HasPrefix(name, "*."):
		p = fqdnPattern{wild: fqdnOneLabel, base: name[2:]}
	}
	if strings.Contains(p.base, "*") {
		return fqdnPattern{}, fmt.Errorf("%w: DNS pattern %q (the model knows names and one leading \"*.\" or \"**.\")", ErrUnsupported, s)
	}
	if msgs := validation.IsDNS1123Subdomain(p.base); len(msgs) > 0 {
		return fqdnPattern{}, fmt.Errorf("%w: DNS name %q: %s", ErrInvalid, s, strings.Join(msgs, "; "))
	}
	return p, nil
}

// String is the pattern in the model's syntax.
func (p fqdnPattern) String() string {
	switch p.wild {
	case fqdnOneLabel:
		return "*." + p.base
	case fqdnLabels:
		return "**." + p.base
	case fqdnAny:
		return "*"
	}
	return p.base
}

// matches reports whether peer pattern p matches the endpoint e. An exact
// endpoint is its name; a wildcard endpoint stands for a name it matches
// that no policy spells out (its "*" labels are labels no pattern names),
// so p matches it only when p matches every name e does.
func (p fqdnPattern) matches(e fqdnPattern) bool {
	if p.wild == fqdnAny {
		return true
	}
	if e.wild == fqdnExact {
		switch p.wild {
		case fqdnExact:
			return e.base == p.base
		case fqdnOneLabel:
			label, rest, ok := strings.Cut(e.base, ".")
			return ok && label != "" && rest == p.base
		}
		return strings.HasSuffix(e.base, "."+p.base)
	}
	switch {
	case p.wild == fqdnExact, e.wild == fqdnAny:
		return false
	case p.wild == fqdnOneLabel:
		return e.wild == fqdnOneLabel && e.base == p.base
	}
	return e.base == p.base || strings.HasSuffix(e.base, "."+p.base)
}

// everyAddress reports whether a set holds every IPv4 and every IPv6
// address: whatever a name resolves to lies inside it.
func everyAddress(s netset.Set) bool {
	var all netset.Set
	for _, r := range s {
		all = all.Union(r)
	}
	all = all.Merge()
	return slices.Contains(all, netset.Range{First: v4First, Last: v4Last}) &&
		slices.Contains(all, netset.Range{First: v6First, Last: v6Last})
}

// anyName is the peer a rule towards every address gets, so that it also
// reaches every DNS name.
var anyName = peer{kind: peerFQDN, fqdn: fqdnPattern{wild: fqdnAny}}

// withAnyName adds anyName to peers whose address blocks, together, hold
// every address: a name resolves to some address, so such a rule reaches
// it. Narrower blocks never match a DNS name (the model cannot know what
// it resolves to), and a DNS name never matches an address.
func withAnyName(peers []peer) []peer {
	var blocks netset.Set
	for _, p := range peers {
		switch p.kind {
		case peerAll:
			return peers
		case peerFQDN:
			if p.fqdn.wild == fqdnAny {
				return peers
			}
		case peerBlock:
			blocks = append(blocks, p.block...)
		}
	}
	if len(blocks) == 0 || !everyAddress(blocks) {
		return peers
	}
	return append(slices.Clip(peers), anyName)
}

// FQDNCovers reports whether pattern matches every name name matches
// (both in the model's syntax; pattern "*" is every name). Readers use it
// where one rule must cover another's names (Cilium's DNS visibility rule
// and its toFQDNs).
func FQDNCovers(pattern, name string) (bool, error) {
	n, err := parseFQDN(name)
	if err != nil {
		return false, err
	}
	if strings.TrimSpace(pattern) == "*" {
		return true, nil
	}
	p, err := parseFQDN(pattern)
	if err != nil {
		return false, err
	}
	return p.matches(n), nil
}
