package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/testkit/gittest"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/portset"
)

func ports(t *testing.T, s string) portset.Set {
	t.Helper()
	p, err := portset.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func matrix(t *testing.T, externals []string, conns ...string) *enforcer.Connectivity {
	t.Helper()
	c := &enforcer.Connectivity{Endpoints: []enforcer.Endpoint{{Name: "shop/web", Namespace: "shop"}}}
	for _, e := range externals {
		c.Endpoints = append(c.Endpoints, enforcer.Endpoint{Name: e, Kind: enforcer.KindExternal})
	}
	for _, s := range conns { // "src dst ports"
		f := strings.Fields(s)
		c.Connections = append(c.Connections, enforcer.Connection{Src: f[0], Dst: f[1], Ports: ports(t, f[2])})
	}
	c.Sort()
	return c
}

func flowLines(d *Diff) []string {
	var out []string
	for _, f := range d.Flows {
		out = append(out, string(f.Change)+" "+f.Src+" "+f.Dst+" "+f.Before.String()+" "+f.After.String())
	}
	return out
}

// TestRefine: a range split differently on each side is compared piece by
// piece; only the piece that really changed is reported, and unchanged
// neighbours are not.
func TestRefine(t *testing.T) {
	base := matrix(t, []string{"ip:0.0.0.0-255.255.255.255"}, "shop/web ip:0.0.0.0-255.255.255.255 TCP/443")
	head := matrix(t, []string{"ip:0.0.0.0-10.255.255.255", "ip:11.0.0.0-11.255.255.255", "ip:12.0.0.0-255.255.255.255"},
		"shop/web ip:0.0.0.0-10.255.255.255 TCP/443",
		"shop/web ip:11.0.0.0-11.255.255.255 TCP/80,TCP/443",
		"shop/web ip:12.0.0.0-255.255.255.255 TCP/443")
	d, err := compareSides(&Side{Name: "base", Matrix: base}, &Side{Name: "head", Matrix: head})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"changed shop/web ip:11.0.0.0-11.255.255.255 TCP/443 TCP/80,TCP/443"}
	if got := flowLines(d); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Closing the whole range shows one merged flow, not three pieces.
	d, err = compareSides(&Side{Name: "head", Matrix: head}, &Side{Name: "none", Matrix: matrix(t, []string{"ip:0.0.0.0-127.255.255.255", "ip:128.0.0.0-255.255.255.255"})})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"closed shop/web ip:0.0.0.0-10.255.255.255 TCP/443 none",
		"closed shop/web ip:11.0.0.0-11.255.255.255 TCP/80,TCP/443 none",
		"closed shop/web ip:12.0.0.0-255.255.255.255 TCP/443 none",
	}
	if got := flowLines(d); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestRecordMatchesOutput: the record verify expects is byte for byte the
// one `netpolc build` (package output) leaves.
func TestRecordMatchesOutput(t *testing.T) {
	files := []kit.File{
		{Path: "networkpolicy/shop/b.yaml", Data: []byte("b\n")},
		{Path: "kustomization.yaml", Data: []byte("k\n")},
		{Path: "networkpolicy/kustomization.yaml", Data: []byte("nk\n")},
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := output.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, output.RecordFile))
	if err != nil {
		t.Fatal(err)
	}
	ids, want := fileIDs(files)
	if string(got) != string(want) {
		t.Errorf("record:\n%s\nwant:\n%s", got, want)
	}
	for i, f := range files {
		if ids[i] != gitrev.BlobID(f.Data) {
			t.Errorf("%s: id %s, want %s", f.Path, ids[i], gitrev.BlobID(f.Data))
		}
	}
	if paths := parseRecord(got); len(paths) != 3 || !paths["networkpolicy/shop/b.yaml"] {
		t.Errorf("parsed record: %v", paths)
	}
}

// TestSplitAndMerge: pieces split at foreign boundaries merge back.
func TestSplitAndMerge(t *testing.T) {
	r, _ := netset.ParseName("ip:10.0.0.0-10.0.0.255")
	cuts := []addr{mustAddr(t, "10.0.0.0"), mustAddr(t, "10.0.0.128"), mustAddr(t, "10.0.1.0")}
	if got := piecesOf(r, cuts); !slices.Equal(got, []string{"ip:10.0.0.0-10.0.0.127", "ip:10.0.0.128-10.0.0.255"}) {
		t.Errorf("pieces: %v", got)
	}
	p := ports(t, "TCP/1")
	merged := mergeRanges([]Flow{
		{Change: Opened, Src: "a/b", Dst: "ip:10.0.0.128-10.0.0.255", After: p},
		{Change: Opened, Src: "a/b", Dst: "ip:10.0.0.0-10.0.0.127", After: p},
		{Change: Opened, Src: "a/b", Dst: "ip:10.0.2.0-10.0.2.255", After: p},
	})
	var names []string
	for _, f := range merged {
		names = append(names, f.Dst)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ip:10.0.0.0-10.0.0.255", "ip:10.0.2.0-10.0.2.255"}) {
		t.Errorf("merged: %v", names)
	}
}

type addr = netip.Addr

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestFingerprintLines: the inputs' fingerprint is the hash of one
// `"%q %s\n"` line per file (path quoted, blob id) after each input's
// line, for the index and a revision alike, whatever the file names:
// the recorded keys do not change with how the lines are written.
func TestFingerprintLines(t *testing.T) {
	r := gittest.New(t)
	names := []string{"out/a b.yaml", "out/q\"uote.yaml", "out/ünï/c.yaml", "out/back\\slash.yaml", "out/z.yaml", "intents/i.cue", "intents/j.txt"}
	for i, n := range names {
		r.Write(n, strings.Repeat("x", i))
	}
	r.Commit("files")
	repo, err := gitrev.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Revision("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	index, err := repo.Index()
	if err != nil {
		t.Fatal(err)
	}
	inputs := []cacheInput{{path: "intents", intents: true}, {path: "out"}}
	want := sha256.New()
	for _, in := range inputs {
		fmt.Fprintf(want, "input %q %t\n", in.path, in.intents)
		var paths []string
		for _, n := range names {
			if strings.HasPrefix(n, in.path+"/") && (!in.intents || strings.HasSuffix(n, ".cue")) {
				paths = append(paths, n)
			}
		}
		slices.Sort(paths)
		for _, p := range paths {
			fmt.Fprintf(want, "%q %s\n", p, r.Git("hash-object", p))
		}
	}
	for _, tree := range []*gitrev.Tree{head, index} {
		got, err := inputsFingerprint(tree, inputs)
		if err != nil {
			t.Fatal(err)
		}
		if w := hex.EncodeToString(want.Sum(nil)); got != w {
			t.Errorf("%s: fingerprint %s, want %s", tree.Name, got, w)
		}
	}
}
