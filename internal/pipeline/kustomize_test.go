package pipeline

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/target"
)

// TestKustomizeBuildsEveryExample writes each example's output the way
// `netpolc build` does and runs kustomize (krusty) over it, as Flux and
// Argo CD will: every generated policy must come out, with its name,
// namespace and origin annotation intact.
func TestKustomizeBuildsEveryExample(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*")
	for _, dir := range dirs {
		if strings.HasSuffix(dir, ".go") {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			out, err := Run(Sources{IntentsDir: dir}, Options{Targets: target.MustParse(exampleTarget(t, dir))})
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			if _, err := output.Write(tmp, out.Files); err != nil {
				t.Fatal(err)
			}
			resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), tmp)
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			var got, want []string
			tg := exampleTarget(t, dir)
			kinds := map[string][]string{"networkpolicy": {"NetworkPolicy"}, "cilium": {"CiliumNetworkPolicy"},
				"adminpolicy": {"ClusterNetworkPolicy"}}[tg]
			for _, r := range resources.Resources() {
				if !slices.Contains(kinds, r.GetKind()) || r.GetAnnotations()["netpolc.dev/origins"] == "" {
					t.Errorf("unexpected object %s %s/%s (annotations %v)", r.GetKind(), r.GetNamespace(), r.GetName(), r.GetAnnotations())
				}
				ns := r.GetNamespace()
				if ns == "" {
					ns = "cluster" // cluster-scoped (ARCHITECTURE.md §4)
				}
				got = append(got, tg+"/"+ns+"/"+r.GetName()+".yaml")
			}
			for _, f := range out.Files {
				if !strings.HasSuffix(f.Path, "kustomization.yaml") {
					want = append(want, f.Path)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("kustomize rendered\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestKustomizeBuildsEachTargetFolder: each target's folder is a
// kustomize base of its own, holding exactly that target's objects, so one
// Flux Kustomization or Argo CD Application per folder applies one
// enforcer's policies (the README's recommended layout).
func TestKustomizeBuildsEachTargetFolder(t *testing.T) {
	out, err := Run(Sources{IntentsDir: "../../examples/shop"},
		Options{Targets: target.MustParse("networkpolicy", "cilium", "calico"), AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if _, err := output.Write(tmp, out.Files); err != nil {
		t.Fatal(err)
	}
	for folder, group := range map[string]string{"networkpolicy": "networking.k8s.io", "cilium": "cilium.io", "calico": "projectcalico.org"} {
		resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(tmp, folder))
		if err != nil {
			t.Fatalf("kustomize build %s: %v", folder, err)
		}
		if len(resources.Resources()) == 0 {
			t.Errorf("%s: no objects", folder)
		}
		for _, r := range resources.Resources() {
			if !strings.HasPrefix(r.GetApiVersion(), group+"/") {
				t.Errorf("%s holds %s %s of another enforcer", folder, r.GetApiVersion(), r.GetName())
			}
		}
	}
}
