package render

import (
	"bytes"
	"html"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/testkit/gen"
)

// hoverScript hovers the first allowed cell once the page has loaded, as
// a pointer would: a bubbling mouseover at the cell's centre.
const hoverScript = `<script>
(function(){var c=document.querySelector('td.a[data-t]');var r=c.getBoundingClientRect();
c.dispatchEvent(new MouseEvent('mouseover',{bubbles:true,clientX:r.left+r.width/2,clientY:r.top+r.height/2}));})();
</script></body>`

// TestHTMLInBrowser opens --format html in headless Chromium: the
// screenshot shows the allowed and denied cells in their colours, about
// one cell's worth of colour per cell the page declares; the page ran its
// script (data-ready) without fetching anything; and hovering a cell
// shows a tooltip with that cell's text, drawn on screen.
func TestHTMLInBrowser(t *testing.T) {
	chromium := needTool(t, "chromium", "chromium-browser", "google-chrome")
	m := generatedModel(t, gen.Config{Seed: 7, Namespaces: 4, Workloads: 24, Policies: 12})
	cases := map[string]struct {
		s *enforcer.Stream
		o Options
	}{
		"shop":         {shopStream(t), Options{}},
		"24 workloads": {m.Stream(), Options{Model: m}},
	}
	for name, c := range cases {
		var page bytes.Buffer
		if err := (HTML{}).Write(&page, c.s, c.o); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(page.Bytes(), []byte("http://")) || bytes.Contains(page.Bytes(), []byte("https://")) {
			t.Errorf("%s: the page refers to the network", name)
		}
		allowed, denied := strings.Count(page.String(), `<td class="a`), strings.Count(page.String(), `<td class="d`)
		if allowed == 0 || denied == 0 {
			t.Fatalf("%s: %d allowed and %d denied cells, want some of each", name, allowed, denied)
		}
		dir := t.TempDir()
		plain := filepath.Join(dir, "plain.html")
		hover := filepath.Join(dir, "hover.html")
		writeFile(t, plain, page.Bytes())
		writeFile(t, hover, []byte(strings.Replace(page.String(), "</body>", hoverScript, 1)))

		img := screenshot(t, chromium, dir, plain)
		green, red := countColour(img, allowedColour), countColour(img, deniedColour)
		// A cell is 18 px square: each one drawn gives about 300 pixels of
		// its colour, and nothing else on the page uses those colours.
		if perA, perD := green/allowed, red/denied; perA < 200 || perD < 200 || perA > 600 || perD > 600 {
			t.Errorf("%s: %d green pixels for %d allowed cells, %d red for %d denied: every cell must be drawn, in its colour",
				name, green, allowed, red, denied)
		}

		dom := string(run(t, chromium, nil, append(chromiumFlags(dir), "--dump-dom", "file://"+hover)...))
		if !strings.Contains(dom, `data-ready="1"`) {
			t.Errorf("%s: the page's script did not run", name)
		}
		want := firstCellText(t, page.String())
		if tip := regexp.MustCompile(`<div id="tip"[^>]*>([^<]*)</div>`).FindStringSubmatch(dom); tip == nil ||
			strings.Contains(tip[0], "hidden") || html.UnescapeString(tip[1]) != want {
			t.Errorf("%s: hovering a cell must show its text %q; tooltip: %v", name, want, tip)
		}
		tipInk := countColour(screenshot(t, chromium, dir, hover), "#1d2b45") - countColour(img, "#1d2b45")
		if tipInk < 1500 {
			t.Errorf("%s: the tooltip is not drawn (%d more pixels of its colour than without hover)", name, tipInk)
		}
	}
}

func chromiumFlags(dir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1800,1600"}
}

func screenshot(t *testing.T, chromium, dir, page string) image.Image {
	t.Helper()
	out := filepath.Join(dir, "shot.png")
	run(t, chromium, nil, append(chromiumFlags(dir), "--screenshot="+out, "file://"+page)...)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot does not decode: %v", err)
	}
	return img
}

// countColour counts the pixels of exactly one #rrggbb colour.
func countColour(img image.Image, hex string) int {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	want := color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
	b, n := img.Bounds(), 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == want {
				n++
			}
		}
	}
	return n
}

// firstCellText is the hover text of the page's first allowed cell.
func firstCellText(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<td class="a[^"]*" data-t="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no allowed cell with a text")
	}
	return html.UnescapeString(m[1])
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
