package kit

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// trickyStrings are strings whose quoting yaml.v3 decides on: ones that
// would read as other types, indicators, white space at the ends, line
// breaks, escapes, non-ASCII text.
var trickyStrings = []string{
	"", " ", "a", "80", "-1", "+1", "0x1F", "0o17", "0b101", "-0b1", "0b-1", "0o+7", "1_000", "1e3", ".5", ".", "..",
	"1.", "+.5", "1:20", "190:20:30.15", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10",
	"2001-13-45", "true", "True", "TRUE", "tRUE", "false", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~",
	".inf", "-.Inf", "+.INF", ".nan", ".NaN", "<<", "---", "...", "--- x", "-", "- x", "-x", "?", "? x", "?x", ":", ": x",
	":x", "a: b", "a:b", "a:", "#", "# x", "a #b", "a#b", "a\t#b", ",", "a,b", "[a]", "{a}", "&a", "*a", "!a", "|", ">",
	"'", "a'b", "\"", "a\"b", "%", "@", "`", "\\", "a\\b", "\t", "a\tb", " a", "a ", "a  b", "a\nb", "a\n", "a\n\n",
	"\n", "\n\n", "\na", " a\nb", "a \nb", "a\n b", "a\r\nb", "a\rb", "\x00", "\x07", "\x1b", "\x7f", "é", "日本語",
	"\u0085", "a\u0085b", "\u00a0", "a\u00a0", "\ufeff", "\ufeffa\"", "a\ufeff", "\ufffe", "\U0001F600", "a\u2028b",
	"\u2029", "a\u2028", "intents/shop.cue:12:5; ", "netpolc.dev/origins", "app.kubernetes.io/name",
	strings.Repeat("k", 128), strings.Repeat("k", 129), "w9", "w10", "w010", "a1", "a01", "a1b", "A", "Z", "_", "0",
	"00", "007", "1", "9", "10", "٣", "a٣",
}

// fast prints v's JSON with this printer (false where it defers to
// yaml.v3) and with the reference, yaml.v3 on the maps read from it.
func fast(t testing.TB, v any) (got, want []byte, ok bool) {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want, err = printV3(j)
	if err != nil {
		t.Fatal(err)
	}
	// One tree for every print, as the pooled printers are: its style
	// memory then answers for strings printed before, in other places.
	got, ok = sharedTree.print(nil, j)
	return got, want, ok
}

// sharedTree is the printer fast reuses (the tests are not parallel).
var sharedTree yamlTree

// shapes are the places a string takes in the printed objects: a value,
// a key, a sequence item, a value and a key in a mapping in a sequence.
func shapes(s string, n any) []any {
	return []any{
		map[string]any{"k": s, "n": n},
		map[string]any{s: "v", "z": n},
		map[string]any{"list": []any{s, n, map[string]any{}, []any{}}},
		map[string]any{"m": map[string]any{"a": []any{map[string]any{"x": s, s: []string{s}, "y": nil}}}},
		map[string]any{"a": map[string]any{s: map[string]any{s: s}}, "b": true},
	}
}

func TestYAMLMatchesV3(t *testing.T) {
	for _, s := range trickyStrings {
		for i, v := range shapes(s, 1.5) {
			got, want, ok := fast(t, v)
			switch {
			case !ok && !strings.ContainsAny(s, "\n\r\u0085\u2028\u2029") && len(s) <= 128:
				// Only multi-line and long keys and the line and
				// paragraph separators go through yaml.v3.
				t.Errorf("%q in shape %d: printed by yaml.v3", s, i)
			case ok && string(got) != string(want):
				t.Errorf("%q in shape %d:\ngot:\n%s\nwant (yaml.v3):\n%s", s, i, got, want)
			}
		}
	}
}

func TestYAMLNumbers(t *testing.T) {
	for _, n := range []any{0, -1, math.MaxInt64, uint64(math.MaxUint64), 1.5, -0.0, 1e21, 1e-7, 123456789.125, math.SmallestNonzeroFloat64,
		json.Number("1e400"), json.Number("-1e400"), json.Number("12345678901234567890123")} {
		got, want, ok := fast(t, map[string]any{"n": n, "l": []any{n}})
		if !ok || string(got) != string(want) {
			t.Errorf("%v: got (fast %v):\n%s\nwant:\n%s", n, ok, got, want)
		}
	}
}

// TestYAMLKeyOrder checks keys sort as yaml.v3 sorts them, numbers in
// keys by value.
func TestYAMLKeyOrder(t *testing.T) {
	m := map[string]any{}
	for _, k := range trickyStrings {
		if !strings.ContainsAny(k, "\n\r\u2028\u2029\u0085") && len(k) <= 128 {
			m[k] = 1
		}
	}
	got, want, ok := fast(t, m)
	if !ok || string(got) != string(want) {
		t.Errorf("got (fast %v):\n%s\nwant:\n%s", ok, got, want)
	}
}

// TestYAMLAPIObject prints a NetworkPolicy with every field netpolc sets.
func TestYAMLAPIObject(t *testing.T) {
	got, want, ok := fast(t, policy("shop", "web", "app", "80", "a description\nover lines\n"))
	if !ok || string(got) != string(want) {
		t.Errorf("got (fast %v):\n%s\nwant:\n%s", ok, got, want)
	}
}

// policy is a NetworkPolicy with the strings in its names, labels,
// annotations and ports.
func policy(ns, name, label, port, note string) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	p := intstr.FromString(port)
	n := intstr.FromInt32(8080)
	end := int32(9000)
	sel := metav1.LabelSelector{MatchLabels: map[string]string{label: port, "w10": "x", "w9": note},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: label, Operator: metav1.LabelSelectorOpIn, Values: []string{note, port}}}}
	return &networkingv1.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "netpolc", label: port}, Annotations: map[string]string{OriginsAnnotation: note}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: sel,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &sel, NamespaceSelector: &metav1.LabelSelector{}}, {IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{note}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &p}, {Port: &n, EndPort: &end}},
			}, {}},
			PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"},
		},
	}
}

// FuzzYAML compares this printer's bytes with yaml.v3's for arbitrary
// strings and numbers in the places the emitted objects hold them, and in
// generic mappings and sequences.
func FuzzYAML(f *testing.F) {
	for i, s := range trickyStrings {
		f.Add(s, trickyStrings[(i+1)%len(trickyStrings)], float64(i)/3, int64(i)-3)
	}
	f.Fuzz(func(t *testing.T, a, b string, x float64, n int64) {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return // not JSON
		}
		vals := append(shapes(a, x), shapes(b, n)...)
		vals = append(vals, map[string]any{a: 1, b: 2, a + b: 3, b + a: x}, policy(a, b, a+"/"+b, b, a))
		for _, v := range vals {
			got, want, ok := fast(t, v)
			if ok && string(got) != string(want) && transitive(a, b, a+b, b+a) {
				t.Errorf("got:\n%s\nwant (yaml.v3):\n%s", got, want)
			}
		}
	})
}

// transitive reports whether yaml.v3's key order is a strict order on
// these keys: where it is not, yaml.v3's own output depends on the
// order it finds a map's keys in.
func transitive(keys ...string) bool {
	for _, x := range keys {
		for _, y := range keys {
			for _, z := range keys {
				if keyCompare([]byte(x), []byte(y)) < 0 && keyCompare([]byte(y), []byte(z)) < 0 && keyCompare([]byte(x), []byte(z)) >= 0 {
					return false
				}
			}
		}
	}
	return true
}

// TestYAMLDefers checks what this printer leaves to yaml.v3 is printed by
// it: a multi-line key, a sequence in a sequence, a line separator.
func TestYAMLDefers(t *testing.T) {
	for _, v := range []any{map[string]any{"a\nb": 1}, map[string]any{"l": []any{[]any{1, 2}}}, map[string]any{"s": "a\u2028b"}, []any{1}} {
		j, _ := json.Marshal(v)
		want, err := printV3(j)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := new(yamlTree).print(nil, j); ok {
			t.Errorf("%s: printed here", j)
		}
		got, err := MarshalYAML(v)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: got %q, %v; want %q", j, got, err, want)
		}
	}
}
