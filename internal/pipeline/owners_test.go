package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/target"
)

// ownersMap is testdata/owners as netpolc.yaml would name it.
func ownersMap() owners.Map {
	dir := func(n string) string { return filepath.Join("testdata", "owners", n) }
	return owners.Map{
		{Name: "platform", Dir: dir("platform"), Platform: true, Namespaces: []string{"monitoring"}},
		{Name: "shop", Dir: dir("shop"), Namespaces: []string{"shop"}},
		{Name: "payments", Dir: dir("payments"), Namespaces: []string{"payments"}},
		{Name: "analytics", Dir: dir("analytics"), Labels: map[string]string{"team": "analytics"}},
	}
}

// TestOwnedBuild builds four owners' directories as one cluster (the
// teams' rules name each other's workloads) and checks the layout
// OUT/<target>/<owner>/<namespace>/…: kustomize builds OUT, each target
// folder (one Flux Kustomization or Argo CD Application per target) and
// each owner folder, and an owner's folder holds only its namespaces'
// objects.
func TestOwnedBuild(t *testing.T) {
	out, err := Run(Sources{Owners: ownersMap()}, Options{Targets: target.MustParse("networkpolicy", "cilium")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.Compiled.Policy.Expectations); n != 1 {
		t.Errorf("%d expectations, want payments' one", n)
	}
	tmp := t.TempDir()
	if _, err := output.Write(tmp, out.Files); err != nil {
		t.Fatal(err)
	}
	owns := map[string][]string{"platform": {"monitoring"}, "shop": {"shop"}, "payments": {"payments"},
		"analytics": {"analytics", "analytics-dev"}}
	total := 0
	for _, tg := range []string{"networkpolicy", "cilium"} {
		total += len(kustomizeBuild(t, filepath.Join(tmp, tg)))
		for owner, nss := range owns {
			for _, ns := range kustomizeBuild(t, filepath.Join(tmp, tg, owner)) {
				if !slices.Contains(nss, ns) {
					t.Errorf("%s/%s holds an object of namespace %s", tg, owner, ns)
				}
			}
		}
	}
	if all := len(kustomizeBuild(t, tmp)); all != total || total == 0 {
		t.Errorf("OUT builds %d objects, the target folders %d", all, total)
	}
	for _, want := range []string{"networkpolicy/shop/shop/shop-ingress-cart.yaml", "networkpolicy/analytics/analytics/analytics-ingress-etl.yaml",
		"networkpolicy/platform/monitoring/monitoring-egress-prometheus.yaml", "networkpolicy/analytics/kustomization.yaml"} {
		if !slices.ContainsFunc(out.Files, func(f kitFile) bool { return f.Path == want }) {
			t.Errorf("no %s", want)
		}
	}
}

// kustomizeBuild runs kustomize over dir and returns each object's
// namespace.
func kustomizeBuild(t *testing.T, dir string) []string {
	t.Helper()
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var nss []string
	for _, r := range res.Resources() {
		nss = append(nss, r.GetNamespace())
	}
	return nss
}

// TestOwnedRefusals: a team's intents over a namespace it does not own,
// and cluster-wide intents outside the platform directory, fail at their
// lines, naming the owner.
func TestOwnedRefusals(t *testing.T) {
	for name, c := range map[string]struct {
		file, src string
		want      []string
	}{
		"policy in another team's namespace": {"shop/x.cue", "package shop\npolicies: p: {namespace: \"payments\", workload: \"api\", ingress: [{from: [{workload: \"shop/web\"}]}]}\n",
			[]string{`shop/x.cue:2:73: policies.p.ingress[0].from[0]: selects pods in namespace "payments", owned by payments, from the directory of shop`}},
		"namespace nobody owns": {"shop/x.cue", "package shop\nnamespaces: staging: {}\n",
			[]string{`shop/x.cue:2:13: namespaces.staging: declares namespace "staging", which has no owner`}},
		"namespace with another team's label": {"shop/x.cue", "package shop\nnamespaces: \"analytics-x\": labels: team: \"analytics\"\n",
			[]string{`declares namespace "analytics-x", owned by analytics, from the directory of shop`}},
		"cluster-wide intent in a team directory": {"payments/x.cue", "package payments\nplatform: baseline: open: {priority: 1, egress: [{action: \"Allow\", to: [{all: true}]}]}\n",
			[]string{`payments/x.cue:2:21: platform.baseline.open: cluster-wide intent "open" in the directory of team payments: only the platform directory may hold cluster-wide intents`}},
		"cluster settings in a team directory": {"shop/x.cue", "package shop\ncluster: podCIDRs: [\"10.0.0.0/8\"]\n",
			[]string{`shop/x.cue:2:1: cluster: cluster settings outside the platform directory`}},
		"namespace declared twice": {"shop/x.cue", "package shop\nnamespaces: payments: {}\n",
			[]string{`namespace "payments" is declared at`}},
	} {
		t.Run(name, func(t *testing.T) {
			m := ownersMap()
			files := map[string]map[string][]byte{}
			for _, o := range m {
				files[o.Name] = readDir(t, o.Dir)
				o.Dir = filepath.ToSlash(o.Dir)
			}
			owner, base, _ := strings.Cut(c.file, "/")
			files[owner][base] = []byte(c.src)
			_, err := Load(Sources{Owners: m, OwnerFiles: files})
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant %q", err, w)
				}
			}
		})
	}
}

type kitFile = kit.File

// readDir reads the .cue files of dir by base name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.cue"))
	out := map[string][]byte{}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = data
	}
	return out
}
