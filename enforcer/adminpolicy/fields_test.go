package adminpolicy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
)

func anpWithNamedPort() v1alpha1.AdminNetworkPolicy {
	name := "http"
	var a v1alpha1.AdminNetworkPolicy
	a.Name = "web"
	a.Spec.Subject.Namespaces = &metav1.LabelSelector{}
	a.Spec.Egress = []v1alpha1.AdminNetworkPolicyEgressRule{{Name: "r", Action: v1alpha1.AdminNetworkPolicyRuleActionAllow,
		To:    []v1alpha1.AdminNetworkPolicyEgressPeer{{Namespaces: &metav1.LabelSelector{}}},
		Ports: &[]v1alpha1.AdminNetworkPolicyPort{{NamedPort: &name}}}}
	return a
}

func settings(version, channel string) map[string]bool {
	s := map[string]bool{}
	if version != "" {
		s[adminapi.SettingVersion+"="+version] = true
	}
	if channel != "" {
		s[adminapi.SettingChannel+"="+channel] = true
	}
	return s
}

// TestReadsAsTheChannel: the interpreter reads the objects as the CRDs of
// the version and channel the settings name, refusing what they lack.
func TestReadsAsTheChannel(t *testing.T) {
	anp := &adminapi.Objects{AdminNetworkPolicies: []v1alpha1.AdminNetworkPolicy{anpWithNamedPort()}}
	var cnp v1alpha2.ClusterNetworkPolicy
	cnp.Name = "fqdn"
	cnp.Spec.Tier, cnp.Spec.Subject.Namespaces = v1alpha2.AdminTier, &metav1.LabelSelector{}
	cnp.Spec.Egress = []v1alpha2.ClusterNetworkPolicyEgressRule{{Name: "r", Action: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
		To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{DomainNames: []v1alpha2.DomainName{"example.com"}}}}}
	cnps := &adminapi.Objects{ClusterNetworkPolicies: []v1alpha2.ClusterNetworkPolicy{cnp}}
	tests := []struct {
		name             string
		objs             *adminapi.Objects
		version, channel string
		want             string // "" for no field error
	}{
		{"namedPort, v1alpha1 standard", anp, "v1alpha1", "", "spec.egress[0].ports[0].namedPort does not exist in the v1alpha1 standard CRDs"},
		{"namedPort, v1alpha1 experimental", anp, "v1alpha1", "experimental", ""},
		{"ANP read as v1alpha2", anp, "", "experimental", "kind AdminNetworkPolicy does not exist in the v1alpha2 experimental CRDs"},
		{"CNP read as v1alpha1", cnps, "v1alpha1", "experimental", "kind ClusterNetworkPolicy does not exist"},
		{"domainNames, v1alpha2 standard", cnps, "v1alpha2", "standard", "spec.egress[0].to[0].domainNames does not exist in the v1alpha2 standard CRDs"},
		{"bad channel", anp, "v1alpha1", "beta", `channel "beta"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Interpreter{}.Interpret(tt.objs, enforcer.InterpretInput{Settings: settings(tt.version, tt.channel)})
			if tt.want == "" {
				if err != nil {
					t.Errorf("Interpret: %v, want no error", err)
				}
				return
			}
			if !errors.Is(err, enforcer.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Interpret: %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// TestTies: policies of one tier and priority whose rules' actions differ
// are evaluated in an order upstream leaves to the implementation: the
// reading fails closed. Equal actions are fine (the order cannot matter).
func TestTies(t *testing.T) {
	mk := func(name string, tier v1alpha2.Tier, priority int32, action v1alpha2.ClusterNetworkPolicyRuleAction) v1alpha2.ClusterNetworkPolicy {
		var c v1alpha2.ClusterNetworkPolicy
		c.Name = name
		c.Spec.Tier, c.Spec.Priority, c.Spec.Subject.Namespaces = tier, priority, &metav1.LabelSelector{}
		c.Spec.Egress = []v1alpha2.ClusterNetworkPolicyEgressRule{{Name: "r", Action: action,
			To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Namespaces: &metav1.LabelSelector{}}}}}
		return c
	}
	accept, deny := v1alpha2.ClusterNetworkPolicyRuleActionAccept, v1alpha2.ClusterNetworkPolicyRuleActionDeny
	tests := []struct {
		name string
		cnps []v1alpha2.ClusterNetworkPolicy
		want string
	}{
		{"accept and deny at one priority", []v1alpha2.ClusterNetworkPolicy{mk("a", v1alpha2.AdminTier, 100, accept), mk("b", v1alpha2.AdminTier, 100, deny)},
			"a and b have the same tier Admin and priority 100 and egress rules of different actions (Accept, Deny)"},
		{"two accepts", []v1alpha2.ClusterNetworkPolicy{mk("a", v1alpha2.AdminTier, 100, accept), mk("b", v1alpha2.AdminTier, 100, accept)}, ""},
		{"other tiers", []v1alpha2.ClusterNetworkPolicy{mk("a", v1alpha2.AdminTier, 100, accept), mk("b", v1alpha2.BaselineTier, 100, deny)}, ""},
		{"other priorities", []v1alpha2.ClusterNetworkPolicy{mk("a", v1alpha2.AdminTier, 100, accept), mk("b", v1alpha2.AdminTier, 101, deny)}, ""},
	}
	for _, tt := range tests {
		_, err := Interpreter{}.Interpret(&adminapi.Objects{ClusterNetworkPolicies: tt.cnps}, enforcer.InterpretInput{})
		if tt.want == "" && err != nil || tt.want != "" && (!errors.Is(err, enforcer.ErrInvalid) || !strings.Contains(fmt.Sprint(err), tt.want)) {
			t.Errorf("%s: Interpret error %v, want %q", tt.name, err, tt.want)
		}
	}
}
