package compiler_test

import (
	"slices"
	"testing"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// TestPortFormsCompile: the port forms the schema leaves to the compiler
// read as the schema's defaults said (a long form without protocol is
// TCP), in policies, templates and container ports.
func TestPortFormsCompile(t *testing.T) {
	res, err := compileFiles(map[string]string{"p.cue": `package t

import "netpolc.dev/templates"

namespaces: shop: workloads: {
	web: ports: {http: 8080, dns: {port: 53, protocol: "UDP"}, alt: {port: 8443}}
	db: ports: sql: 5432
}
policies: p: {namespace: "shop", workload: "db", ingress: [{from: [{workload: "web"}], ports: [{port: 5432}, {port: 6000, endPort: 6010, protocol: "SCTP"}, "UDP/53"]}]}
use: tiers: templates.#Tiers & {namespace: "shop", egress: false, tiers: [{workload: "web", ports: [{port: "http"}]}, {workload: "db", ports: [5432]}]}
`})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]ir.Port{
		"p": {{Protocol: portset.TCP, Number: 5432}, {Protocol: portset.SCTP, Number: 6000, End: 6010}, {Protocol: portset.UDP, Number: 53}},
	}
	var got []ir.Port
	for _, r := range res.Policy.Rules {
		if r.Subject.Name == "db" && r.Origin.Via == "" {
			got = r.Ports
		}
	}
	if len(got) != 3 || !slices.Contains(got, want["p"][0]) || !slices.Contains(got, want["p"][1]) || !slices.Contains(got, want["p"][2]) {
		t.Errorf("ports of p = %+v, want %+v in any order", got, want["p"])
	}
	var web *ir.Workload
	for i := range res.Policy.Workloads {
		if res.Policy.Workloads[i].Name == "web" {
			web = &res.Policy.Workloads[i]
		}
	}
	if web == nil || len(web.Ports) != 3 || web.Ports[0].Protocol != portset.TCP || web.Ports[1].Protocol != portset.UDP || web.Ports[2].Protocol != portset.TCP || web.Kind != "Deployment" {
		t.Errorf("web = %+v, want alt/TCP 8443, dns/UDP 53, http/TCP 8080, a Deployment", web)
	}
	for _, r := range res.Policy.Rules {
		if r.Origin.Via != "" && r.Subject.Name == "web" {
			if len(r.Ports) != 1 || r.Ports[0].Protocol != portset.TCP || r.Ports[0].Name != "http" {
				t.Errorf("the template's {port: \"http\"} = %+v, want TCP http", r.Ports)
			}
		}
	}
}
