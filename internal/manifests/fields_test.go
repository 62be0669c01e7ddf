package manifests

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestFieldsDuplicateKeys checks that a duplicate key is found, at its
// first definition's line, in mappings scanned and in mappings past
// fieldScan keys (looked up in a map), and that a merged key is
// overridden by the mapping's own in both.
func TestFieldsDuplicateKeys(t *testing.T) {
	for _, n := range []int{3, fieldScan, fieldScan + 1, 3 * fieldScan} {
		var b strings.Builder
		b.WriteString("base: &b {k1: merged, extra: x}\nm:\n  <<: *b\n")
		for i := range n {
			fmt.Fprintf(&b, "  k%d: v\n", i)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(b.String()), &doc); err != nil {
			t.Fatal(err)
		}
		m := doc.Content[0].Content[3]
		x := &expander{left: 1 << 20, budget: 1 << 20}
		fields, err := x.mappingFields(m, 0)
		if err != nil || len(fields) != n+1 || fields[1].Value.Value != "v" || fields[n].Key != "extra" {
			t.Errorf("%d keys: fields %v, %v", n, fields, err)
		}
		fmt.Fprintf(&b, "  k%d: again\n", n-1)
		if err := yaml.Unmarshal([]byte(b.String()), &doc); err != nil {
			t.Fatal(err)
		}
		x = &expander{left: 1 << 20, budget: 1 << 20}
		_, err = x.mappingFields(doc.Content[0].Content[3], 0)
		want := fmt.Sprintf(`duplicate key "k%d" (first at line %d)`, n-1, n+3)
		if err == nil || err.Error() != want {
			t.Errorf("%d keys: %v, want %s", n, err, want)
		}
	}
}
