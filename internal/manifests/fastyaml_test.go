package manifests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fastSeeds are inputs in the fast parser's subset and just outside it.
var fastSeeds = []string{
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: web\nspec: {}\nstatus: {}\n",
	"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        ports:\n        - containerPort: 80\n          protocol: TCP\n        resources: {}\n",
	"--- # comment\n# head\na: 'it''s'   # line\nb: \"q\\\"x\\\\y\\n\"\nc: [] \nd:\n- x\n-   y: 1\n    z: true\n- {}\ne:\nf: ~\n",
	"a:\n  - 1\n  - -2\n  - 0x1F\n  - 1.5\n  - 2001-12-14\n  - null\n  - yes\n  - '*/15 * * * *'\n  - a:b\n  - a#b\n  - x # c\n",
	"- 0\n- 09\n- 012\n- 123456789012345678\n- 1234567890123456789012\n- 1_000\n- 12:30\n- yes\n- Null\n- True\n- .5\n- ~\n- +1\n- 2001-12-14t21:59:43.10-05:00\n- 1e3\n- 0o17\n- 1x\n- y\n- a\n- Z\n",
	"k: v\n# only a comment\n\n  # indented comment\nl: w",
	"ü: é\nx: 日本: y\n\"ké\": v\n",
	"ü: é\nx: 日本 y\n\"ké\": v\nk:\n  é:\n  - ü: 1\n",
	"---\n",
	"# nothing\n",
	"a: b\n  c: d\n",
	"a:\n    b: 1\n  c: 2\n",
	"a: b: c\n",
	"a: |\n  text\n",
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"a: {b: 1}\n",
	"a: plain\n  continued\n",
	"a:\n- b\n -c\n",
	"- - a\n",
	"-\n- b\n",
	"a:\tb\n",
	"a: b\r\n",
	"<<: {}\n",
	"\"a\" : b\n",
	"a  : b\n",
	"...\n",
	"%YAML 1.2\n---\na: b\n",
	"? a\n: b\n",
	"a: \"\\x41\"\n",
	"- a\nb: c\n",
	"a: 1\n- b\n",
	"a:#b\n",
	"a: \"x\"#b\n",
	"a: 'x' y\n",
	"-a: b\n",
	"a: -\n",
	"a:\n  b:\n    c:\n",
	"list:\n- a: 1\n  b:\n  - x\n  c: 2\n- b\n",
}

// sameTree tells whether the fast parser's tree a is yaml.v3's b, but
// for comments, which the fast parser does not keep.
func sameTree(a, b *yaml.Node) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Style != b.Style || a.Value != b.Value ||
		a.Line != b.Line || a.Column != b.Column || a.Anchor != b.Anchor || a.Alias != nil || b.Alias != nil {
		return fmt.Errorf("node %+v, yaml.v3 %+v", *a, *b)
	}
	if (a.Content == nil) != (b.Content == nil) || len(a.Content) != len(b.Content) {
		return fmt.Errorf("node at %d:%d has %d children (nil %v), yaml.v3 %d (nil %v)",
			a.Line, a.Column, len(a.Content), a.Content == nil, len(b.Content), b.Content == nil)
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkFast holds the fast parser to yaml.v3 on every chunk of data: the
// same documents, or declined. It returns how many chunks it read.
func checkFast(t *testing.T, data []byte) (fast, all int) {
	t.Helper()
	for c := range documents(data) {
		all++
		got, ok := scanChunk(c, &nodeArena{})
		if !ok {
			continue
		}
		fast++
		want, line, msg := parseChunkYAML(c)
		if msg != "" {
			t.Fatalf("chunk at line %d: fast parser read what yaml.v3 refuses at line %d: %s\n%q", c.Line, line, msg, c.Data)
		}
		if len(got) != len(want) {
			t.Fatalf("chunk at line %d: %d documents, yaml.v3 %d\n%q", c.Line, len(got), len(want), c.Data)
		}
		for i := range got {
			if err := sameTree(got[i], want[i]); err != nil {
				t.Fatalf("chunk at line %d: %v\n%q", c.Line, err, c.Data)
			}
		}
	}
	return fast, all
}

func TestFastYAMLSeeds(t *testing.T) {
	read := 0
	for _, s := range fastSeeds {
		fast, _ := checkFast(t, []byte(s))
		read += fast
	}
	if read < 8 {
		t.Errorf("the fast parser read %d seeds; the common forms should be its", read)
	}
}

// TestFastYAMLTestdata compares the two parsers on the package's test
// data and, when present, a sample of the benchmark cluster, whose every
// chunk the fast parser must read.
func TestFastYAMLTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.*")
	sub, _ := filepath.Glob("testdata/*/*/*.*")
	for _, f := range append(files, sub...) {
		if data, err := os.ReadFile(f); err == nil && !strings.HasSuffix(f, ".golden") {
			checkFast(t, data)
		}
	}
	bench, _ := filepath.Glob("/tmp/netpolc-bench/cluster-5k/*.yaml")
	for i, f := range bench {
		data, err := os.ReadFile(f)
		if err != nil || i%10 != 0 {
			continue
		}
		if fast, all := checkFast(t, data); fast != all {
			t.Errorf("%s: the fast parser read %d of %d chunks", f, fast, all)
		}
	}
}

// FuzzFastYAML is the differential test of the fast parser: on the same
// bytes it builds yaml.v3's node trees or declines.
func FuzzFastYAML(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	// The test data as written (mostly flow style: yaml.v3's) and in
	// block style (mostly the fast parser's).
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range files {
		if data, err := os.ReadFile(s); err == nil && len(data) <= 4<<10 {
			f.Add(data)
			f.Add(blockStyle(data))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, data)
	})
}

// blockStyle re-encodes every document of data in block style, as
// kubectl and helm write it, so that the fast parser reads what the test
// data's flow style leaves to yaml.v3. Documents that do not parse are
// left out.
func blockStyle(data []byte) []byte {
	var out bytes.Buffer
	for c := range documents(data) {
		docs, _, msg := parseChunkYAML(c)
		if msg != "" {
			continue
		}
		for _, d := range docs {
			toBlock(d)
			var b bytes.Buffer
			enc := yaml.NewEncoder(&b)
			enc.SetIndent(2)
			if enc.Encode(d) == nil && enc.Close() == nil {
				out.WriteString("---\n")
				out.Write(b.Bytes())
			}
		}
	}
	return out.Bytes()
}

func toBlock(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	for _, c := range n.Content {
		toBlock(c)
	}
}

// TestFastYAMLSameResults reads the test data, re-encoded in block
// style, with the fast parser and with yaml.v3 alone: the same Set and
// the same problems, at the same file:line:col. The fast parser must
// read most of the documents, or the test tests nothing.
func TestFastYAMLSameResults(t *testing.T) {
	names, _ := filepath.Glob("testdata/*/*.yaml")
	fast, all := 0, 0
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		block := blockStyle(data)
		f, a := checkFast(t, block)
		fast, all = fast+f, all+a
		files := []File{{Name: n, Data: block}}
		for _, opts := range []Options{{}, {SkipInvalid: true}} {
			with, without := readWith(opts, files, true), readWith(opts, files, false)
			if !reflect.DeepEqual(with, without) {
				t.Errorf("%s (skip invalid %v): fast parser\n%+v\nyaml.v3\n%+v", n, opts.SkipInvalid, with, without)
			}
		}
	}
	if fast*2 < all {
		t.Errorf("the fast parser read %d of %d documents", fast, all)
	}
}

// readWith is ParseFiles with the fast parser on or off.
func readWith(opts Options, files []File, fast bool) readRun {
	fastYAML = fast
	defer func() { fastYAML = true }()
	s, err := opts.ParseFiles(files...)
	return readRun{s, fmt.Sprint(err)}
}
