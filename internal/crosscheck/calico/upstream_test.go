package calico

import (
	"fmt"
	"strings"

	"github.com/projectcalico/calico/libcalico-go/lib/selector"
	"github.com/projectcalico/calico/libcalico-go/lib/selector/parser"
)

// Calico's label names, as libcalico-go spells them
// (libcalico-go/lib/backend/k8s/conversion/constants.go and the v3 API's
// LabelNamespace).
const (
	labelNamespace       = "projectcalico.org/namespace"
	namespaceLabelPrefix = "pcns."
)

// upstreamPolicySelector is the selector Calico's syncer gives felix for
// the spec.selector of a NetworkPolicy in namespace ns: the selector and
// the namespace (libcalico-go/lib/backend/syncersv1/updateprocessors/
// networkpolicyprocessor.go, which this follows).
func upstreamPolicySelector(ns, sel string) (selector.Selector, error) {
	nsSel := fmt.Sprintf("%s == '%s'", labelNamespace, ns)
	if sel == "" {
		return selector.Parse(nsSel)
	}
	return selector.Parse(fmt.Sprintf("(%s) && %s", sel, nsSel))
}

// upstreamEntitySelector is the selector Calico's syncer gives felix for a
// rule side of a namespaced policy with a selector or a namespaceSelector
// (updateprocessors/rules.go, getEndpointSelector, which this follows):
// the namespaceSelector's labels get the "pcns." prefix through the
// parser's own PrefixVisitor and all()/global() become tests of the
// namespace label; without one, the policy's own namespace.
func upstreamEntitySelector(ns, sel, nsSelector string) (selector.Selector, error) {
	scope := fmt.Sprintf("%s == '%s'", labelNamespace, ns)
	if nsSelector != "" {
		parsed, err := parser.Parse(nsSelector)
		if err != nil {
			return nil, err
		}
		parsed.AcceptVisitor(parser.PrefixVisitor{Prefix: namespaceLabelPrefix})
		scope = parsed.String()
		scope = strings.ReplaceAll(scope, "all()", "has("+labelNamespace+")")
		scope = strings.ReplaceAll(scope, "global()", "!has("+labelNamespace+")")
	}
	if sel == "" {
		return selector.Parse(scope)
	}
	return selector.Parse(fmt.Sprintf("(%s) && (%s)", scope, sel))
}
