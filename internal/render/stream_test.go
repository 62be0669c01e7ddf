package render

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/testkit/gen"
)

// legacy is each format as it was, writing a materialised matrix.
var legacy = map[string]interface {
	Format(io.Writer, *enforcer.Connectivity) error
}{
	"text": legacyText{}, "md": legacyMarkdown{}, "json": legacyJSON{},
	"csv": legacyCSV{},
}

// streamSizes are the generated clusters the streamed formats are
// compared on; NETPOLC_LONG adds the 5,000-workload one.
func streamSizes() []gen.Config {
	out := []gen.Config{
		{Seed: 1, Namespaces: 3, Workloads: 8, Policies: 4},
		{Seed: 2, Namespaces: 10, Workloads: 100, Policies: 50},
		{Seed: 3, Namespaces: 30, Workloads: 600, Policies: 200, ClusterPolicies: 4, PodIPs: true},
		{Seed: 4, Namespaces: 50, Workloads: 1500, Policies: 600, PodIPs: true},
	}
	if os.Getenv("NETPOLC_LONG") != "" {
		out = append(out, gen.Config{Seed: 1, Namespaces: 200, Workloads: 5000, Policies: 2000})
	}
	return out
}

func generatedModel(t *testing.T, cfg gen.Config) *enforcer.Model {
	t.Helper()
	m, err := pipeline.Input{Manifests: gen.Generate(cfg)}.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStreamedBytesMatchMaterialised writes every format from the stream
// and, as before, from the materialised matrix: byte for byte the same
// (text and md with --full; json and csv never fold).
func TestStreamedBytesMatchMaterialised(t *testing.T) {
	for _, cfg := range streamSizes() {
		m := generatedModel(t, cfg)
		matrix := m.Matrix()
		for name := range legacy {
			f, _ := ByName(name)
			var want, got, folded bytes.Buffer
			if err := legacy[name].Format(&want, matrix); err != nil {
				t.Fatal(err)
			}
			if err := f.Write(&got, m.Stream(), Options{Full: true}); err != nil {
				t.Fatal(err)
			}
			if err := f.Write(&folded, m.Stream(), Options{}); err != nil {
				t.Fatal(err)
			}
			label := fmt.Sprintf("%d workloads, %d pairs, %s", cfg.Workloads, len(matrix.Connections), name)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s: streamed output (%d bytes) differs from materialised (%d bytes)", label, got.Len(), want.Len())
			}
			unfolded := name != "text" && name != "md" || len(matrix.Connections) <= foldAbove
			if unfolded && !bytes.Equal(folded.Bytes(), want.Bytes()) {
				t.Errorf("%s: output without --full differs from materialised", label)
			}
		}
	}
}

// TestFoldMatchesNaiveFold folds the materialised matrices by hand.
func TestFoldMatchesNaiveFold(t *testing.T) {
	for _, cfg := range streamSizes() {
		m := generatedModel(t, cfg)
		got := foldedCells(displayView(m.Stream()))
		want := naiveFold(t, m.Matrix())
		if !slices.Equal(got, want) {
			t.Errorf("%d workloads: fold differs:\n got %q\nwant %q", cfg.Workloads, got, want)
		}
	}
}

func naiveFold(t *testing.T, c *enforcer.Connectivity) [][4]string {
	c = legacyDisplay(c)
	es, err := enforcer.StreamOf(c)
	if err != nil {
		t.Fatal(err)
	}
	s := displayView(es) // names no range: as is
	sp := namespaceSpans(c.Endpoints)
	index := map[string]int32{}
	for i, ep := range c.Endpoints {
		index[ep.Name] = int32(i)
	}
	type key struct {
		src, dst int32
		ports    string
	}
	rows := map[key]*foldRow{}
	var keys []key
	for _, conn := range c.Connections {
		src, dst := index[conn.Src], index[conn.Dst]
		k := key{sp.of[src], sp.of[dst], conn.Ports.String()}
		r := rows[k]
		if r == nil {
			r = &foldRow{key: foldKey{k.src, k.dst, 0}, srcs: newBits(sp.hi[k.src] - sp.lo[k.src]), dsts: newBits(sp.hi[k.dst] - sp.lo[k.dst])}
			rows[k] = r
			keys = append(keys, k)
		}
		r.pairs++
		r.srcs.set(src - sp.lo[k.src])
		r.dsts.set(dst - sp.lo[k.dst])
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.src, b.src), cmp.Compare(a.dst, b.dst), strings.Compare(a.ports, b.ports))
	})
	var out [][4]string
	for _, k := range keys {
		r := rows[k]
		out = append(out, [4]string{nodeList(s, sp, k.src, r.srcs), nodeList(s, sp, k.dst, r.dsts), k.ports, fmt.Sprint(r.pairs)})
	}
	return out
}

// TestFoldedGolden pins the folded text and md of a small generated
// cluster.
func TestFoldedGolden(t *testing.T) {
	m := generatedModel(t, gen.Config{Seed: 2, Namespaces: 10, Workloads: 100, Policies: 50})
	for _, name := range []string{"text", "md"} {
		f, _ := ByName(name)
		var buf bytes.Buffer
		if err := f.Write(&buf, m.Stream(), Options{}); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "folded."+name, buf.Bytes())
	}
}
