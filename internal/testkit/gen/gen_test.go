package gen

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/netpolc/netpolc/internal/manifests"
)

var configs = []Config{
	{Seed: 1, Namespaces: 5, Workloads: 30, Policies: 40, ClusterPolicies: 7, PodIPs: true},
	{Seed: 2, Namespaces: 12, Workloads: 100, Policies: 120},
	{Seed: 3, Namespaces: 2, Workloads: 3, Policies: 3, PodIPs: true},
	{Seed: 4, Namespaces: 1, Workloads: 4, Policies: 2},
	{Seed: 5},
}

func TestDeterministic(t *testing.T) {
	for _, cfg := range configs {
		a, err := yamlOf(Generate(cfg))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := yamlOf(Generate(cfg))
		if !bytes.Equal(a, b) {
			t.Errorf("%+v: two runs differ", cfg)
		}
	}
	other := configs[0]
	other.Seed++
	a, _ := yamlOf(Generate(configs[0]))
	b, _ := yamlOf(Generate(other))
	if bytes.Equal(a, b) {
		t.Errorf("seeds %d and %d give the same cluster", configs[0].Seed, other.Seed)
	}
}

func TestCounts(t *testing.T) {
	for _, cfg := range configs {
		s := Generate(cfg)
		got := Config{Seed: cfg.Seed, Namespaces: len(s.Inventory.Namespaces), Workloads: len(s.Inventory.Endpoints),
			Policies: len(s.NetworkPolicies), ClusterPolicies: len(s.ClusterNetworkPolicies), PodIPs: cfg.PodIPs}
		if got != cfg {
			t.Errorf("counts %+v, want %+v", got, cfg)
		}
		for _, e := range s.Inventory.Endpoints {
			if cfg.PodIPs != (len(e.IPs) > 0) {
				t.Errorf("%+v: endpoint %s has IPs %v", cfg, e.ID(), e.IPs)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, cfg := range configs {
		want := Generate(cfg)
		data, err := yamlOf(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := manifests.Parse("gen.yaml", data)
		if err != nil {
			t.Fatalf("%+v: Parse: %v", cfg, err)
		}
		clearSources(got)
		if got.Notes != nil {
			t.Errorf("%+v: notes %q", cfg, got.Notes)
		}
		got.Notes = nil
		compare(t, cfg, got, want)
	}
}

func TestWriteYAML(t *testing.T) {
	want := Generate(configs[0])
	dir := t.TempDir()
	if err := WriteYAML(want, dir); err != nil {
		t.Fatal(err)
	}
	got, err := manifests.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	clearSources(got)
	compare(t, configs[0], got, want)
}

func compare(t *testing.T, cfg Config, got, want *manifests.Set) {
	t.Helper()
	if !reflect.DeepEqual(got.Inventory, want.Inventory) {
		for i := range min(len(got.Inventory.Endpoints), len(want.Inventory.Endpoints)) {
			if g, w := got.Inventory.Endpoints[i], want.Inventory.Endpoints[i]; !reflect.DeepEqual(g, w) {
				t.Errorf("%+v: endpoint %d\n got %+v\nwant %+v", cfg, i, g, w)
				break
			}
		}
		t.Errorf("%+v: inventories differ", cfg)
	}
	for i := range want.NetworkPolicies {
		if i < len(got.NetworkPolicies) && !reflect.DeepEqual(got.NetworkPolicies[i], want.NetworkPolicies[i]) {
			t.Errorf("%+v: policy %d\n got %+v\nwant %+v", cfg, i, got.NetworkPolicies[i], want.NetworkPolicies[i])
			break
		}
	}
	if !reflect.DeepEqual(got.NetworkPolicies, want.NetworkPolicies) ||
		!reflect.DeepEqual(got.ClusterNetworkPolicies, want.ClusterNetworkPolicies) {
		t.Errorf("%+v: policies differ", cfg)
	}
}

func clearSources(s *manifests.Set) {
	for i := range s.Inventory.Namespaces {
		s.Inventory.Namespaces[i].Source = diag.Pos{}
	}
	for i := range s.Inventory.Endpoints {
		s.Inventory.Endpoints[i].Source = diag.Pos{}
	}
	for i := range s.NetworkPolicies {
		s.NetworkPolicies[i].Source = diag.Pos{}
	}
	for i := range s.ClusterNetworkPolicies {
		s.ClusterNetworkPolicies[i].Source = diag.Pos{}
	}
}

// BenchmarkGenerate generates the largest cluster `make bench` uses.
func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Seed: 1, Namespaces: 200, Workloads: 5000, Policies: 2000, ClusterPolicies: 20, PodIPs: true}
	for b.Loop() {
		Generate(cfg)
	}
}

// BenchmarkParse reads the largest generated cluster back as YAML.
func BenchmarkParse(b *testing.B) {
	data, err := yamlOf(Generate(Config{Seed: 1, Namespaces: 200, Workloads: 5000, Policies: 2000, ClusterPolicies: 20, PodIPs: true}))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := manifests.Parse("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEveryPattern(t *testing.T) {
	s := Generate(Config{Seed: 7, Namespaces: 4, Workloads: 20, Policies: 200})
	seen := map[string]bool{}
	for _, p := range s.NetworkPolicies {
		for _, pt := range patterns {
			if strings.HasPrefix(p.Name, pt.Name) {
				seen[pt.Name] = true
			}
		}
	}
	for _, pt := range patterns {
		if !seen[pt.Name] {
			t.Errorf("pattern %s never generated", pt.Name)
		}
	}
}
