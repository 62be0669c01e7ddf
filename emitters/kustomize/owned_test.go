package kustomize

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
)

// TestOwnedFiles: a kustomization per owner folder of each target (empty
// when the owner has nothing there), the target's listing every owner,
// the root listing the targets; the nftables ruleset stays flat.
func TestOwnedFiles(t *testing.T) {
	got, err := OwnedFiles(map[string][]kit.File{
		"networkpolicy": {file("networkpolicy/shop/shop/a.yaml"), file("networkpolicy/platform/cluster/b.yaml")},
		"nftables":      {file("nftables/netpolc.nft")},
		"cilium":        {},
	}, []string{"platform", "shop", "data"})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]string{}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.Path)
		byPath[f.Path] = string(f.Data)
	}
	want := "cilium/data/kustomization.yaml cilium/kustomization.yaml cilium/platform/kustomization.yaml cilium/shop/kustomization.yaml " +
		"kustomization.yaml networkpolicy/data/kustomization.yaml networkpolicy/kustomization.yaml networkpolicy/platform/cluster/b.yaml " +
		"networkpolicy/platform/kustomization.yaml networkpolicy/shop/kustomization.yaml networkpolicy/shop/shop/a.yaml nftables/netpolc.nft"
	if strings.Join(paths, " ") != want {
		t.Errorf("paths\n%s\nwant\n%s", strings.Join(paths, " "), want)
	}
	for p, w := range map[string]string{
		"kustomization.yaml":                    "resources:\n- cilium\n- networkpolicy\n",
		"networkpolicy/kustomization.yaml":      "resources:\n- data\n- platform\n- shop\n",
		"networkpolicy/shop/kustomization.yaml": "resources:\n- shop/a.yaml\n",
		"networkpolicy/data/kustomization.yaml": "resources: []\n",
	} {
		if !strings.HasSuffix(byPath[p], w) {
			t.Errorf("%s:\n%s\nwant it to end in\n%s", p, byPath[p], w)
		}
	}
}

// TestOwnedFilesNote: a file that is no .yaml directly in a target
// folder with objects (build --staged's cilium/AUDIT-MODE.md) stays there
// and no kustomization lists it.
func TestOwnedFilesNote(t *testing.T) {
	got, err := OwnedFiles(map[string][]kit.File{
		"cilium": {file("cilium/AUDIT-MODE.md"), file("cilium/shop/shop/a.yaml")},
	}, []string{"shop"})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.Path)
		if strings.HasSuffix(f.Path, "kustomization.yaml") && strings.Contains(string(f.Data), "AUDIT-MODE") {
			t.Errorf("%s lists the note", f.Path)
		}
	}
	if want := "cilium/AUDIT-MODE.md cilium/kustomization.yaml cilium/shop/kustomization.yaml cilium/shop/shop/a.yaml kustomization.yaml"; strings.Join(paths, " ") != want {
		t.Errorf("paths %s, want %s", strings.Join(paths, " "), want)
	}
}

func TestOwnedFilesErrors(t *testing.T) {
	for name, c := range map[string]struct {
		targets map[string][]kit.File
		owners  []string
	}{
		"file outside owner folders": {map[string][]kit.File{"networkpolicy": {file("networkpolicy/shop/a.yaml")}}, []string{"platform"}},
		"file of an unknown owner":   {map[string][]kit.File{"networkpolicy": {file("networkpolicy/x/ns/a.yaml")}}, []string{"platform"}},
		"owner kustomization":        {map[string][]kit.File{"networkpolicy": {file("networkpolicy/p/kustomization.yaml")}}, []string{"p"}},
		"bad owner folder":           {map[string][]kit.File{}, []string{"../x"}},
		"escaping path":              {map[string][]kit.File{"networkpolicy": {file("networkpolicy/p/../../a.yaml")}}, []string{"p"}},
	} {
		if _, err := OwnedFiles(c.targets, c.owners); !errors.Is(err, errInvalid) {
			t.Errorf("%s: error %v, want errInvalid", name, err)
		}
	}
}
