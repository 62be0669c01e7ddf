package target

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
	readadmin "github.com/netpolc/netpolc/enforcer/adminpolicy"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestAdminDomainNamesProven emits exact FQDN peers as domainNames on the
// experimental channel, for both API versions, reads them back and proves
// them; a wildcard (the API's "*." is any depth) is refused, or left out
// with a warning.
func TestAdminDomainNamesProven(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	exact := randir.EgressOnly(ex["fqdn"])
	exact.Rules = nil
	for _, r := range ex["fqdn"].Rules {
		if r.Peer.Kind != ir.PeerFQDN || !strings.HasPrefix(r.Peer.FQDN, "*.") {
			exact.Rules = append(exact.Rules, r)
		}
	}
	for _, v1 := range []bool{false, true} {
		for _, c := range []struct {
			p        *ir.Policy
			approx   bool
			domains  int
			narrowed int
		}{{exact, false, 1, 0}, {ex["fqdn"], true, 1, 1}} {
			objs, warns, err := adminpolicy.Build(c.p, adminpolicy.Options{API: adminAPI(v1), AllowApproximate: c.approx})
			if err != nil {
				t.Fatalf("v1alpha1=%v: %v", v1, err)
			}
			files, err := adminpolicy.Files(objs)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range files {
				n += strings.Count(string(f.Data), "domainNames:")
			}
			if n != c.domains || len(warns) != c.narrowed {
				t.Errorf("v1alpha1=%v approximate=%v: %d domainNames, %d warnings; want %d, %d", v1, c.approx, n, len(warns), c.domains, c.narrowed)
			}
			got, err := readadmin.Policies(objs)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := proof.NewReference(c.p, enforcer.InventoryFromIR(c.p))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ref.Prove("adminpolicy", got, c.approx); err != nil {
				t.Errorf("v1alpha1=%v approximate=%v: %v", v1, c.approx, err)
			}
		}
		if _, _, err := adminpolicy.Build(ex["fqdn"], adminpolicy.Options{API: adminAPI(v1)}); err == nil || !strings.Contains(err.Error(), "any number of labels") {
			t.Errorf("v1alpha1=%v: a wildcard: err = %v, want a refusal", v1, err)
		}
	}
}

// adminAPI is the experimental channel of v1alpha1 or v1alpha2 (the one
// with domainNames).
func adminAPI(v1alpha1 bool) adminapi.API {
	api := adminapi.API{Channel: adminapi.Experimental}
	if v1alpha1 {
		api.Version = adminapi.V1Alpha1
	}
	return api
}
