package adminpolicy

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/kit"
)

// Equal priorities: upstream leaves the order of two policies of one tier
// and priority to the implementation (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go, Priority; apis/v1alpha1
// likewise). The layout never needs one to matter: every allow is an
// Accept at AllowPriority in the Admin tier, every default deny a Deny in
// the Baseline tier (v1alpha2) or at DenyPriorityV1Alpha1 (v1alpha1), so
// policies sharing a tier and priority all have one action, and which of
// them matches first cannot change a verdict. checkTies makes that an
// invariant rather than an accident of the constants; the interpreter
// (enforcer/adminpolicy) refuses such ties on its own.

// tierOf is the tier a part is emitted in.
func (b *builder) tierOf(part policyPart) string {
	if !b.opts.API.V1Alpha1() && part.deny {
		return "Baseline"
	}
	return "Admin"
}

// checkTies returns an error when two parts of one tier and priority
// have different actions.
func (b *builder) checkTies(parts []policyPart) error {
	type key struct {
		tier     string
		priority int32
	}
	first := map[key]policyPart{}
	for _, part := range parts {
		k := key{b.tierOf(part), part.priority}
		other, ok := first[k]
		if !ok {
			first[k] = part
			continue
		}
		if other.deny != part.deny {
			return fmt.Errorf("%w: policies %s and %s share tier %s and priority %d but not their action, and upstream leaves their order undefined "+
				"(a netpolc bug: please report it)", kit.ErrInvalid, other.name, part.name, k.tier, k.priority)
		}
	}
	return nil
}
