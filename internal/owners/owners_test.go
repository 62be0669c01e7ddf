package owners

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

func sample() Map {
	return Map{
		{Name: "shop", Dir: "intents/shop", Namespaces: []string{"shop"}},
		{Name: "platform", Dir: "intents/platform", Platform: true, Namespaces: []string{"monitoring"}},
		{Name: "data", Dir: "intents/data", Labels: map[string]string{"team": "data"}},
	}
}

func TestValidate(t *testing.T) {
	m, errs := sample().Validate()
	if errs != nil || m[0].Name != "platform" {
		t.Fatalf("%v %v: want the platform owner first", m, errs)
	}
	for name, c := range map[string]struct {
		edit func(Map) Map
		want string
	}{
		"no platform":     {func(m Map) Map { m[1].Platform = false; return m }, "0 platform owners"},
		"two platforms":   {func(m Map) Map { m[0].Platform = true; return m }, "2 platform owners"},
		"namespace twice": {func(m Map) Map { m[2].Namespaces = []string{"shop"}; return m }, `namespace "shop" is owned by shop too`},
		"same directory":  {func(m Map) Map { m[2].Dir = "intents/shop"; return m }, "directory intents/shop is owned by shop too"},
		"name twice":      {func(m Map) Map { m[2].Name = "shop"; return m }, `owner "shop" is listed twice`},
		"bad name":        {func(m Map) Map { m[2].Name = "Data/../x"; return m }, `invalid owner name "Data/../x"`},
		"bad namespace":   {func(m Map) Map { m[2].Namespaces = []string{"a_b"}; return m }, `invalid namespace name "a_b"`},
		"bad label":       {func(m Map) Map { m[2].Labels = map[string]string{"team": "a b"}; return m }, `invalid label value "a b"`},
		"no directory":    {func(m Map) Map { m[2].Dir = ""; return m }, "owner data has no intents directory"},
		"too many owners": {func(m Map) Map {
			for i := range MaxOwners {
				m = append(m, Owner{Name: "t" + strings.Repeat("x", i%5) + string(rune('a'+i%26)), Dir: "d"})
			}
			return m
		}, "over the limit of 100"},
	} {
		if _, errs := c.edit(sample()).Validate(); !strings.Contains(errs.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, errs, c.want)
		}
	}
}

func TestNamespaceOwner(t *testing.T) {
	m := sample()
	m = append(m, Owner{Name: "data2", Dir: "d2", Labels: map[string]string{"tier": "db"}})
	for _, c := range []struct {
		ns     string
		labels map[string]string
		want   string
		why    string
	}{
		{"shop", map[string]string{"team": "data"}, "shop", ""}, // a name claim wins over a label claim
		{"etl", map[string]string{"team": "data"}, "data", ""},
		{"etl", map[string]string{"team": "data", "tier": "db"}, "", "the label claims of data, data2 all match it"},
		{"other", nil, "", "no owner names it or claims its labels"},
	} {
		got, why := m.NamespaceOwner(c.ns, c.labels)
		if got != c.want || why != c.why {
			t.Errorf("%s %v: %q %q, want %q %q", c.ns, c.labels, got, why, c.want, c.why)
		}
	}
}

func TestChanges(t *testing.T) {
	base, head := sample(), sample()
	head[0].Namespaces = []string{"payments", "shop"}
	head = append(head[:2], Owner{Name: "ledger", Dir: "intents/ledger", Namespaces: []string{"ledger"}})
	got := strings.Join(Changes(base, head), "\n")
	want := "owner data: intents/data, labels team=data is removed\n" +
		"owner shop: intents/shop, namespaces shop becomes shop: intents/shop, namespaces payments,shop\n" +
		"owner ledger: intents/ledger, namespaces ledger is added"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if c := Changes(sample(), sample()); c != nil {
		t.Errorf("no change: %v", c)
	}
}

func origin(file string, line int) ir.Origin {
	return ir.Origin{Pos: diag.Pos{File: file, Line: line, Col: 1}, Path: "policies.p"}
}

func checker() *Checker {
	return &Checker{Map: sample(), Dirs: map[string]string{"intents/shop": "shop", "intents/platform": "platform", "intents/data": "data"}}
}

func TestCheck(t *testing.T) {
	p := &ir.Policy{
		Namespaces: []ir.Namespace{
			{Name: "shop", Origin: origin("intents/shop/a.cue", 1)},
			{Name: "etl", Labels: map[string]string{"team": "data"}, Origin: origin("intents/data/a.cue", 1)},
			{Name: "monitoring", Origin: origin("intents/shop/a.cue", 2)},
		},
		Workloads: []ir.Workload{{Namespace: "shop", Name: "web", Origin: origin("intents/data/a.cue", 3)}},
		Rules: []ir.Rule{
			{Subject: ir.Subject{Namespace: "etl"}, Origin: origin("intents/shop/a.cue", 4)},
			{Subject: ir.Subject{Namespace: "shop"}, Origin: origin("<netpolc.dev/templates>", 5)},
		},
		Cluster: []ir.ClusterPolicy{
			{Tier: ir.TierAdmin, Name: "ok", Origin: origin("intents/platform/a.cue", 1)},
			{Tier: ir.TierBaseline, Name: "sneaky", Origin: origin("intents/data/a.cue", 9)},
		},
	}
	got := checker().Check(p).Error()
	for _, want := range []string{
		`intents/shop/a.cue:2:1: policies.p: declares namespace "monitoring", owned by platform, from the directory of shop`,
		`intents/data/a.cue:3:1: policies.p: declares workload web in namespace "shop", owned by shop, from the directory of data`,
		`intents/shop/a.cue:4:1: policies.p: selects pods in namespace "etl", owned by data, from the directory of shop`,
		`intents/data/a.cue:9:1: platform.baseline.sneaky: cluster-wide intent "sneaky" in the directory of team data`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if n := strings.Count(got, "hint:"); n != 4 {
		t.Errorf("%d findings, want 4:\n%s", n, got)
	}
}

// TestCheckMerged: a team's exact copy of a rule over another owner's
// namespace, which the compiler merges into the owner's rule, is still
// reported at the copy's line; the owner's own rule is not.
func TestCheckMerged(t *testing.T) {
	rule := ir.Rule{Subject: ir.Subject{Namespace: "shop", Name: "web"}, Direction: ir.Ingress, Origin: origin("intents/shop/a.cue", 4)}
	iso := ir.Isolation{Subject: rule.Subject, Direction: ir.Ingress, Origin: origin("intents/shop/a.cue", 3)}
	p := &ir.Policy{Namespaces: []ir.Namespace{{Name: "shop", Origin: origin("intents/shop/a.cue", 1)}},
		Isolations: []ir.Isolation{iso}, Rules: []ir.Rule{rule}}
	if errs := checker().Check(p); len(errs) != 0 {
		t.Fatalf("the owner's own rule: %v", errs)
	}
	copyRule, copyIso := rule, iso
	copyRule.Origin, copyIso.Origin = origin("intents/data/b.cue", 8), origin("intents/data/b.cue", 7)
	got := checker().Check(p, &ir.Policy{Isolations: []ir.Isolation{copyIso}, Rules: []ir.Rule{copyRule}}).Error()
	want := `intents/data/b.cue:7:1: policies.p: selects pods in namespace "shop", owned by shop, from the directory of data`
	if !strings.Contains(got, want) || strings.Count(got, "hint:") != 1 {
		t.Errorf("got\n%s\nwant one finding: %s", got, want)
	}
}

func TestPlace(t *testing.T) {
	c := checker()
	c.Check(&ir.Policy{Namespaces: []ir.Namespace{{Name: "shop"}, {Name: "etl", Labels: map[string]string{"team": "data"}}}})
	hdr := func(from ...string) []byte {
		s := kit.Header + "\n"
		for _, f := range from {
			s += "# from " + f + " policies.x\n"
		}
		return []byte(s + "kind: X\n")
	}
	got, err := c.Place("calico", []kit.File{
		{Path: "calico/shop/a.yaml", Data: hdr()},
		{Path: "calico/shop/baseline.yaml", Data: hdr("intents/platform/p.cue")},
		{Path: "calico/etl/b.yaml", Data: hdr()},
		{Path: "calico/cluster/data-only.yaml", Data: hdr("intents/data/x.cue", "intents/data/y.cue")},
		{Path: "calico/cluster/mixed.yaml", Data: hdr("intents/data/x.cue", "intents/shop/y.cue")},
		{Path: "calico/cluster/tier.yaml", Data: hdr()},
		{Path: "calico/ruleset.nft", Data: hdr()},
	})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.Path)
	}
	want := "calico/data/cluster/data-only.yaml calico/data/etl/b.yaml calico/platform/cluster/mixed.yaml " +
		"calico/platform/cluster/tier.yaml calico/platform/shop/baseline.yaml calico/ruleset.nft calico/shop/shop/a.yaml"
	if strings.Join(paths, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(paths, " "), want)
	}
	if _, err := c.Place("calico", []kit.File{{Path: "calico/nobody/a.yaml"}}); err == nil || !strings.Contains(err.Error(), `namespace "nobody" has no owner`) {
		t.Errorf("unowned namespace: %v", err)
	}
}
