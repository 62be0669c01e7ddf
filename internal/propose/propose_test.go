package propose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/portset"
)

func shopInventory(t *testing.T) *manifests.Set {
	t.Helper()
	set, err := manifests.Load("../../examples/shop/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func observe(t *testing.T, set *manifests.Set, csv string) *flows.Set {
	t.Helper()
	rd := flows.NewReader(flows.NewResolver(set.Inventory.Endpoints, nil))
	if err := rd.Read("f.csv", strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	return rd.Set()
}

// TestPropose: the proposal allows every observed connection, isolates
// what was not observed, and reads as templates.
func TestPropose(t *testing.T) {
	set := shopInventory(t)
	obs := observe(t, set, "shop/web,shop/app,TCP/8080,5\nshop/app,shop/db,TCP/5432\n203.0.113.7,shop/web,TCP/8080\n")
	res, err := Propose(set.Inventory, obs, "p")
	if err != nil {
		t.Fatal(err)
	}
	if res.Observed != 3 || res.Proposed != 3 || res.ObservedPairs != 2 {
		t.Errorf("observed %d proposed %d pairs %d", res.Observed, res.Proposed, res.ObservedPairs)
	}
	src := string(res.Import.Source)
	for _, want := range []string{`templates.#DefaultDeny & {namespace: "shop"}`, `templates.#AllowDNS & {namespace: "shop"}`, "templates.#Tiers"} {
		if !strings.Contains(src, want) {
			t.Errorf("missing %s in\n%s", want, src)
		}
	}
}

// TestCheckBites: a connection the policies do not allow fails the check.
func TestCheckBites(t *testing.T) {
	set := shopInventory(t)
	b := newBuilder(set.Inventory)
	b.allow(flows.Key{Src: "shop/web", Dst: "shop/app", Protocol: portset.TCP, Port: 8080}, 1, flows.Span{})
	proposed := &manifests.Set{Inventory: set.Inventory, NetworkPolicies: b.policies()}
	obs := observe(t, set, "shop/web,shop/app,TCP/8080\nshop/app,shop/db,TCP/5432\n")
	if err := check(&Result{}, proposed, obs); err == nil || !strings.Contains(err.Error(), "shop/app → shop/db") {
		t.Fatalf("err = %v, want the missing connection named", err)
	}
}

// TestMergeDenied: --merge adds the allowance a default deny lacks, and
// lists, not proposes, a connection an admin-tier Deny blocks (no
// allowance could open it); the file joins the directory's package.
func TestMergeDenied(t *testing.T) {
	dir := t.TempDir()
	src := `package intents

import "netpolc.dev/templates"

namespaces: shop: workloads: web: ports: http: 8080
use: metadata: templates.#DenyCloudMetadata
use: deny: templates.#DefaultDeny & {namespace: "shop"}
`
	if err := os.WriteFile(filepath.Join(dir, "intents.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := pipeline.Load(pipeline.Sources{IntentsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	inv := l.Input.Inventory()
	rd := flows.NewReader(flows.NewResolver(inv.Endpoints, nil))
	if err := rd.Read("f.csv", strings.NewReader("shop/web,169.254.169.254,TCP/80\nshop/web,203.0.113.10,TCP/443,3\n")); err != nil {
		t.Fatal(err)
	}
	m, err := Merge(dir, inv, rd.Set())
	if err != nil {
		t.Fatal(err)
	}
	metadata := flows.Key{Src: "shop/web", Dst: "169.254.169.254", Protocol: portset.TCP, Port: 80}
	if m.Added != 1 || !strings.HasPrefix(m.NotProposed[metadata], "denied by a rule") {
		t.Errorf("added %d, not proposed %v", m.Added, m.NotProposed)
	}
	got := string(m.Source)
	for _, want := range []string{"package intents\n", `"proposed shop/web/external-egress": templates.#ExternalEgress & {namespace: "shop", workload: "web", cidrs: [{cidr: "203.0.113.10/32"}], ports: [443]}`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "namespaces:") || strings.Contains(got, "DenyCloudMetadata") {
		t.Errorf("the existing intents are repeated:\n%s", got)
	}
}
