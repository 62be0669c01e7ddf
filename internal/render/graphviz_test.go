package render

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/testkit/gen"
)

// needTool finds a program the test needs: missing, the test skips with
// the reason, except where NETPOLC_REQUIRE_TOOLS is set (.ci/run, which
// installs them), where it fails.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("NETPOLC_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s not installed (NETPOLC_REQUIRE_TOOLS is set: .ci/run installs it)", names[0])
	}
	t.Skipf("%s not installed (apt-get install %s; .ci/run fails instead of skipping)", names[0], names[0])
	return ""
}

// shopStream is the shop example's matrix (testdata/shop.json, from
// `netpolc matrix --format json examples/shop`).
func shopStream(t *testing.T) *enforcer.Stream {
	t.Helper()
	data, err := os.ReadFile("testdata/shop.json")
	if err != nil {
		t.Fatal(err)
	}
	var c enforcer.Connectivity
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	s, err := enforcer.StreamOf(&c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// graphCases are the shop example and a generated 40-workload cluster.
func graphCases(t *testing.T) map[string]*enforcer.Stream {
	return map[string]*enforcer.Stream{
		"shop":         shopStream(t),
		"40 workloads": generatedModel(t, gen.Config{Seed: 7, Namespaces: 5, Workloads: 40, Policies: 20}).Stream(),
	}
}

// TestDOTRendersLegibly renders the DOT with graphviz: the PNG decodes
// within size bounds and is drawn on (not blank), every edge of the
// source is laid out, and every edge label sits next to its edge (its
// box within maxLabelGap inches of the drawn curve).
func TestDOTRendersLegibly(t *testing.T) {
	dot := needTool(t, "dot")
	for name, s := range graphCases(t) {
		var src bytes.Buffer
		if err := (DOT{}).Write(&src, s, Options{}); err != nil {
			t.Fatal(err)
		}
		pngData := run(t, dot, src.Bytes(), "-Tpng")
		img, err := png.Decode(bytes.NewReader(pngData))
		if err != nil {
			t.Fatalf("%s: the PNG does not decode: %v", name, err)
		}
		b := img.Bounds()
		if b.Dx() < 300 || b.Dy() < 150 || b.Dx() > 8000 || b.Dy() > 8000 {
			t.Errorf("%s: PNG is %dx%d, want within 300x150..8000x8000", name, b.Dx(), b.Dy())
		}
		if ink := inked(img); ink < 0.01 || ink > 0.5 {
			t.Errorf("%s: %.1f%% of the PNG is drawn on, want 1%%..50%%", name, 100*ink)
		}
		edges, worst := labelGaps(t, run(t, dot, src.Bytes(), "-Tplain"))
		if want := strings.Count(src.String(), " -> "); edges != want {
			t.Errorf("%s: graphviz laid out %d edges, the source has %d", name, edges, want)
		}
		if worst > maxLabelGap {
			t.Errorf("%s: an edge label sits %.2f in from its edge, want at most %.2f", name, worst, maxLabelGap)
		}
		t.Logf("%s: %dx%d px, %d edges, farthest label %.2f in from its edge", name, b.Dx(), b.Dy(), edges, worst)
	}
}

// maxLabelGap is how far (inches) a label's box may sit from its edge:
// graphviz puts a label beside its edge's middle segment, up to about
// 0.6 in away in the 40-workload graph.
const maxLabelGap = 0.7

func run(t *testing.T, prog string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// inked is the share of pixels darker than near-white.
func inked(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0xd000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

// labelGaps reads graphviz's plain output: the edges, and the largest
// distance from a label's centre to its edge's curve.
func labelGaps(t *testing.T, plain []byte) (edges int, worst float64) {
	for _, line := range strings.Split(string(plain), "\n") {
		f := plainFields(line)
		if len(f) < 4 || f[0] != "edge" {
			continue
		}
		edges++
		n, _ := strconv.Atoi(f[3])
		pts := make([][2]float64, n)
		for i := range n {
			pts[i] = [2]float64{num(t, f[4+2*i]), num(t, f[5+2*i])}
		}
		rest := f[4+2*n:]
		if len(rest) < 5 { // no label
			continue
		}
		lx, ly := num(t, rest[1]), num(t, rest[2])
		if d := labelGap(pts, rest[0], lx, ly); d > worst {
			worst = d
		}
	}
	return edges, worst
}

// labelGap is the distance from an edge's curve to its label's box,
// estimated from the text at the edges' 9 pt (0.07 in a character, 0.15
// in a line): 0 when the curve passes through the label.
func labelGap(pts [][2]float64, label string, x, y float64) float64 {
	lines := strings.Split(label, `\n`)
	width := 0
	for _, l := range lines {
		width = max(width, len(l))
	}
	return curveDistance(pts, x, y, 0.035*float64(width), 0.075*float64(len(lines)))
}

// curveDistance is the distance from the box of half-sizes halfW, halfH
// around (x, y) to a B-spline given as graphviz's cubic Bézier control
// points, sampled.
func curveDistance(pts [][2]float64, x, y, halfW, halfH float64) float64 {
	best := math.Inf(1)
	for i := 0; i+3 < len(pts); i += 3 {
		for k := 0; k <= 32; k++ {
			u := float64(k) / 32
			a, b, c, d := (1-u)*(1-u)*(1-u), 3*u*(1-u)*(1-u), 3*u*u*(1-u), u*u*u
			px := a*pts[i][0] + b*pts[i+1][0] + c*pts[i+2][0] + d*pts[i+3][0]
			py := a*pts[i][1] + b*pts[i+1][1] + c*pts[i+2][1] + d*pts[i+3][1]
			best = math.Min(best, math.Hypot(math.Max(0, math.Abs(px-x)-halfW), math.Max(0, math.Abs(py-y)-halfH)))
		}
	}
	return best
}

// plainFields splits a line of graphviz plain output, keeping quoted
// fields whole.
func plainFields(line string) []string {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			end := 1
			for end < len(line) && (line[end] != '"' || line[end-1] == '\\') {
				end++
			}
			out = append(out, line[1:end])
			line = line[min(end+1, len(line)):]
			continue
		}
		f, rest, _ := strings.Cut(line, " ")
		out = append(out, f)
		line = rest
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("graphviz plain output: %q is no number", s)
	}
	return v
}

// TestGraphCollapsesWorldAndDNS: by default the shop's two external
// peers are one world node and its four shop workloads' DNS queries one
// edge; --expand-external draws them all.
func TestGraphCollapsesWorldAndDNS(t *testing.T) {
	s := shopStream(t)
	for _, c := range []struct {
		expand             bool
		ellipses, dnsEdges int
	}{{false, 1, 2}, {true, 2, 5}} {
		var b bytes.Buffer
		if err := (DOT{}).Write(&b, s, Options{ExpandExternal: c.expand}); err != nil {
			t.Fatal(err)
		}
		dot := b.String()
		if got := strings.Count(dot, "shape=ellipse"); got != c.ellipses {
			t.Errorf("expand=%v: %d external nodes, want %d", c.expand, got, c.ellipses)
		}
		if got := strings.Count(dot, `-> "kube-system/kube-dns" [label="TCP/53,UDP/53`); got != c.dnsEdges {
			t.Errorf("expand=%v: %d DNS edges, want %d:\n%s", c.expand, got, c.dnsEdges, dot)
		}
	}
}
