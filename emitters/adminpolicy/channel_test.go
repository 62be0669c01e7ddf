package adminpolicy

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

var (
	v1alpha1Standard     = adminapi.API{Version: adminapi.V1Alpha1, Channel: adminapi.Standard}
	v1alpha1Experimental = adminapi.API{Version: adminapi.V1Alpha1, Channel: adminapi.Experimental}
)

// namedPorts counts the namedPort entries of the v1alpha1 objects.
func namedPorts(objs *adminapi.Objects) int {
	n := 0
	for _, a := range objs.AdminNetworkPolicies {
		for _, r := range a.Spec.Egress {
			if r.Ports == nil {
				continue
			}
			for _, p := range *r.Ports {
				if p.NamedPort != nil {
					n++
				}
			}
		}
	}
	return n
}

// TestV1Alpha1NamedPortStandard: v1alpha1 namedPort exists only in the
// experimental-channel CRD (issue 10, defect 5: the standard CRD prunes
// the entry to {} and rejects the object). On the standard channel (the
// default) a rule naming a port fails at its intent line, saying which
// channel has the field; under --allow-approximate the port is dropped
// with one warning per rule; on the experimental channel namedPort is
// emitted.
func TestV1Alpha1NamedPortStandard(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	p := randir.EgressOnly(ex["gateway"])
	_, _, err = Build(p, Options{API: v1alpha1Standard})
	if !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), "experimental channel") ||
		!strings.Contains(err.Error(), "intents.cue:19:") {
		t.Fatalf("standard channel: err = %v, want unsupported naming the experimental channel at intents.cue:19", err)
	}
	objs, warns, err := Build(p, Options{API: v1alpha1Standard, AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := namedPorts(objs); n != 0 || len(warns) == 0 {
		t.Errorf("standard channel, approximate: %d namedPort entries, %d warnings; want 0 and some", n, len(warns))
	}
	// One warning per narrowed rule: the gateway's three backend rules,
	// the one naming two ports listing both.
	both := 0
	for _, w := range warns {
		if strings.Contains(w.Message, "TCP/http left out") && strings.Contains(w.Message, "TCP/grpc left out") {
			both++
		}
	}
	if len(warns) != 3 || both != 1 {
		t.Errorf("standard channel, approximate: warnings %v; want 3, one naming both ports of the search rule", warns)
	}
	objs, _, err = Build(p, Options{API: v1alpha1Experimental})
	if err != nil {
		t.Fatal(err)
	}
	if namedPorts(objs) == 0 {
		t.Error("experimental channel: no namedPort emitted")
	}
	// v1alpha2 destinationNamedPort is a standard field.
	if _, _, err := Build(p, Options{}); err != nil {
		t.Errorf("v1alpha2 standard: %v", err)
	}
}

// TestSupportsDomainNames: domainNames is an experimental-channel field
// of both API versions.
func TestSupportsDomainNames(t *testing.T) {
	for _, tt := range []struct {
		version, channel string
		want             bool
	}{
		{"", "", false}, {"v1alpha2", "standard", false}, {"v1alpha2", "experimental", true},
		{"v1alpha1", "standard", false}, {"v1alpha1", "experimental", true}, {"v1alpha3", "experimental", false},
	} {
		if got := supportsDomainNames(tt.version, tt.channel); got != tt.want {
			t.Errorf("supportsDomainNames(%q, %q) = %v, want %v", tt.version, tt.channel, got, tt.want)
		}
	}
}

// TestTies: the layout never puts an allow and a deny at one tier and
// priority (their order would be the implementation's), in any API; a
// layout that did fails.
func TestTies(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, api := range []adminapi.API{{}, v1alpha1Standard, v1alpha1Experimental} {
		b := &builder{opts: Options{API: api}}
		for name, p := range ex {
			b2 := &builder{opts: Options{API: api, AllowApproximate: true}, cl: kit.NewCluster(p, inventory.Inventory{}),
				subjects: map[string]*subject{}, errs: kit.NewErrors(targetName), narrowed: map[string]*narrowing{}}
			for _, iso := range randir.EgressOnly(p).Isolations {
				b2.isolate(iso)
			}
			for _, r := range randir.EgressOnly(p).Rules {
				b2.rule(r)
			}
			if err := b2.checkTies(b2.parts()); err != nil {
				t.Errorf("%s %s: %v", api, name, err)
			}
		}
		// An allow and a deny at 7 share the Admin tier in v1alpha1; in
		// v1alpha2 the deny is in the Baseline tier.
		tied := []policyPart{{name: "a", priority: 7}, {name: "b", priority: 7, deny: true}}
		err := b.checkTies(tied)
		if api.V1Alpha1() && (!errors.Is(err, kit.ErrInvalid) || !strings.Contains(err.Error(), "policies a and b share tier Admin and priority 7")) ||
			!api.V1Alpha1() && err != nil {
			t.Errorf("%s: checkTies(allow and deny at 7) = %v", api, err)
		}
	}
}
