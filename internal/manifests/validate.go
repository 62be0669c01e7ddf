package manifests

import (
	"fmt"
	"regexp"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/diag"
)

// The API server rejects objects outside their API's validation rules, so
// such an object is never in a cluster: netpolc rejects it too rather than
// evaluate a reading of it (for some, the lenient reading is wider than
// any real enforcer's). Each problem names the field and the rule it
// breaks: for NetworkPolicy the networking/v1 validation
// (k8s.io/kubernetes pkg/apis/networking/validation), transcribed here;
// for the admin kinds the upstream CRDs themselves, run through the API
// server's validation code (validate_admin.go).

// checker records the validation problems of one object.
type checker struct {
	b  *builder
	o  *object
	ok bool
}

func (b *builder) checker(o *object) *checker { return &checker{b: b, o: o, ok: true} }

// bad records a problem at path (the nearest node of it that exists).
func (c *checker) bad(path, rule, format string, args ...any) {
	c.ok = false
	c.b.fail(c.pos(path), objectPath(c.o.label(), path), errInvalid, "the API server rejects it ("+rule+")", format, args...)
}

// pos is where path is, or its nearest parent that is in the YAML.
func (c *checker) pos(path string) diag.Pos {
	for p := path; p != ""; {
		if hits := c.b.x.lookupPath(c.o.Node, p); len(hits) > 0 {
			return sourceOf(c.o.File, hits[0].Value)
		}
		if i := strings.LastIndexAny(p, ".["); i > 0 {
			p = p[:i]
		} else {
			break
		}
	}
	return c.o.source()
}

// ianaSvcName is the syntax of a named port (IANA_SVC_NAME, RFC 6335):
// at most 15 lower-case letters, digits and dashes, a letter among them,
// no dash first, last or next to another.
var ianaSvcName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func validPortName(s string) bool {
	return len(s) <= 15 && ianaSvcName.MatchString(s) && !strings.Contains(s, "--") &&
		strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz")
}

const npRule = "networking/v1 NetworkPolicy validation"

// checkNetworkPolicy applies the rules of the networking/v1 API that the
// model would otherwise read leniently: endPort needs a numeric port and
// is not below it (today's readers drop it silently otherwise), named
// ports are IANA service names, at most two policyTypes.
func (b *builder) checkNetworkPolicy(o *object, np *networkingv1.NetworkPolicy) bool {
	c := b.checker(o)
	if len(np.Spec.PolicyTypes) > 2 {
		c.bad("spec.policyTypes", npRule, "may not list more than two policy types")
	}
	for i, r := range np.Spec.Ingress {
		c.npPorts(fmt.Sprintf("spec.ingress[%d]", i), r.Ports)
	}
	for i, r := range np.Spec.Egress {
		c.npPorts(fmt.Sprintf("spec.egress[%d]", i), r.Ports)
	}
	return c.ok
}

func (c *checker) npPorts(field string, ports []networkingv1.NetworkPolicyPort) {
	for i, p := range ports {
		f := fmt.Sprintf("%s.ports[%d]", field, i)
		switch {
		case p.Port != nil && p.Port.Type == intstr.String && !validPortName(p.Port.StrVal):
			c.bad(f+".port", npRule, "%q is not a port name (at most 15 lower-case letters, digits and dashes, with a letter)", p.Port.StrVal)
		case p.EndPort == nil:
		case p.Port == nil:
			c.bad(f+".endPort", npRule, "endPort needs a port: it ends the range that port starts")
		case p.Port.Type == intstr.String:
			c.bad(f+".endPort", npRule, "endPort may not be set when port is a named port (%q): a range needs a numeric start", p.Port.StrVal)
		case *p.EndPort < p.Port.IntVal:
			c.bad(f+".endPort", npRule, "endPort %d is below port %d", *p.EndPort, p.Port.IntVal)
		}
	}
}
