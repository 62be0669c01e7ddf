package kit

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

// TestPlainBytes: the byte form answers as plainString does, for every
// tricky string and every first byte.
func TestPlainBytes(t *testing.T) {
	cases := append([]string(nil), trickyStrings...)
	for c := range 256 {
		cases = append(cases, string(rune(c)), string([]byte{byte(c)})+"x", string([]byte{byte(c)})+"1")
	}
	for _, s := range cases {
		if got, want := plainBytes([]byte(s)), plainString(s); got != want {
			t.Errorf("plainBytes(%q) = %v, plainString = %v", s, got, want)
		}
	}
}

// TestAppendOrigins: the comment lines are those fmt and a Replacer
// wrote before.
func TestAppendOrigins(t *testing.T) {
	for _, origins := range []string{"", "a.cue:1:2", "a.cue x; b.cue y", "a\r\nb; c\nd", "; ", "x; ; y"} {
		var want bytes.Buffer
		if origins != "" {
			for _, o := range strings.Split(origins, originsSeparator) {
				fmt.Fprintf(&want, "# from %s\n", strings.NewReplacer("\r", " ", "\n", " ").Replace(o))
			}
		}
		if got := appendOrigins([]byte("h\n"), origins); string(got) != "h\n"+want.String() {
			t.Errorf("appendOrigins(%q) = %q, want %q", origins, got, "h\n"+want.String())
		}
	}
}

// TestCheckSelectorRemembers: a selector made of remembered entries
// passes, one with a new invalid key or value fails the same way the
// first time and every time after, whatever was validated before.
func TestCheckSelectorRemembers(t *testing.T) {
	good := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "front"}}
	bad := []*metav1.LabelSelector{
		{MatchLabels: map[string]string{"app": "web", "bad key!": "front"}},
		{MatchLabels: map[string]string{"app": "web", "tier": "-front-"}},
		{MatchLabels: map[string]string{"app": "web!"}},
		{MatchLabels: map[string]string{"app": "web"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Bogus"}}},
	}
	first := make([]string, len(bad))
	for i, sel := range bad {
		err := CheckSelector("s", sel)
		if err == nil {
			t.Fatalf("%v: accepted", sel)
		}
		first[i] = err.Error()
	}
	for range 2 {
		if err := CheckSelector("s", good); err != nil {
			t.Fatalf("%v: %v", good, err)
		}
		for i, sel := range bad {
			if err := CheckSelector("s", sel); err == nil || err.Error() != first[i] {
				t.Errorf("%v: %v, first time %q", sel, err, first[i])
			}
		}
	}
}

// TestValidSet: remembered answers are the validator's.
func TestValidSet(t *testing.T) {
	v := newValidSet(validation.IsDNS1123Label)
	for range 2 {
		for _, s := range []string{"ns", "a-b", "-x", "UP", "", strings.Repeat("a", 64), "ns"} {
			if got, want := fmt.Sprint(v.validate(s)), fmt.Sprint(validation.IsDNS1123Label(s)); got != want {
				t.Errorf("validate(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

// claimedBefore is Claimed as it was: render and claim in key order,
// then sort the objects.
func claimedBefore(n *Names, pols map[string]int, render func(int) (metav1.ObjectMeta, Origins, bool)) []metav1.ObjectMeta {
	var out []metav1.ObjectMeta
	for _, key := range slices.Sorted(maps.Keys(pols)) {
		obj, from, keep := render(pols[key])
		if keep && n.Claim(obj.Namespace, obj.Name, from) {
			out = append(out, obj)
		}
	}
	slices.SortFunc(out, func(a, b metav1.ObjectMeta) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// TestClaimedOrder: Claimed keeps, orders and refuses the objects as it
// did before (claiming in key order, then sorting), with the same
// messages: with shared names, invalid names, names taken before, and
// none of these.
func TestClaimedOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 400 {
		pols := map[string]int{}
		for i := range rng.IntN(40) {
			pols[fmt.Sprintf("k%03d", rng.IntN(1000))] = i
		}
		names := 11 + round%4*100 // from many shared names to none
		render := func(i int) (metav1.ObjectMeta, Origins, bool) {
			name := fmt.Sprintf("p%d", (i*7)%names)
			if round%5 == 1 && i%13 == 5 {
				name = "Bad_Name"
			}
			from := Origins{ir.Origin{Pos: diag.Pos{File: "f.cue", Line: i + 1}}: true}
			return metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", i%3), Name: name}, from, i%5 != 4
		}
		var got, want []metav1.ObjectMeta
		var gotErr, wantErr error
		for k, run := range []func(*Names, map[string]int, func(int) (metav1.ObjectMeta, Origins, bool)) []metav1.ObjectMeta{
			Claimed[int, metav1.ObjectMeta], claimedBefore} {
			errs := NewErrors("t")
			n := NewNames(errs)
			if round%7 == 3 {
				n.Claim("ns1", "p8", Origins{ir.Origin{Pos: diag.Pos{File: "g.cue", Line: 1}}: true})
			}
			objs := run(n, pols, render)
			if k == 0 {
				got, gotErr = objs, errs.Err()
			} else {
				want, wantErr = objs, errs.Err()
			}
		}
		if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("round %d: got %v (%v), want %v (%v)", round, got, gotErr, want, wantErr)
		}
	}
}

// TestStyleMemo: remembered styles are styleOf's, for keys and values,
// the first time and after.
func TestStyleMemo(t *testing.T) {
	var m styleMemo
	for range 2 {
		for _, s := range trickyStrings {
			for _, key := range []bool{true, false} {
				gs, gok := m.style([]byte(s), key)
				ws, wok := styleOf([]byte(s), key)
				if gok != wok || gok && gs != ws {
					t.Errorf("style(%q, key %v) = %d %v, want %d %v", s, key, gs, gok, ws, wok)
				}
			}
		}
	}
}

// TestObjectPath: objectPath is path.Join of the parts and ".yaml".
func TestObjectPath(t *testing.T) {
	for _, p := range [][3]string{{"networkpolicy", "shop", "a-b.c"}, {"", "shop", "a"}, {"t", "cluster", "x"},
		{"t/", "ns", "n"}, {"a/../b", "ns", "n"}, {"t", "", "n"}, {"t", "ns", ""}, {"t", ".", "n"}, {"/t", "ns", "n"}} {
		if got, want := objectPath(p[0], p[1], p[2]), path.Join(p[0], p[1], p[2]+".yaml"); got != want {
			t.Errorf("objectPath%q = %q, want %q", p, got, want)
		}
	}
}

// TestDecodedStrings: strings with escapes, several in one object, come
// out whole after later ones are decoded into the same buffer.
func TestDecodedStrings(t *testing.T) {
	v := map[string]any{}
	for i := range 50 {
		v[fmt.Sprintf("k\"%d", i)] = strings.Repeat(fmt.Sprintf("v\"\n%d", i), i)
	}
	got, want, ok := fast(t, v)
	if !ok || string(got) != string(want) {
		t.Fatalf("ok %v\n%s\nwant\n%s", ok, got, want)
	}
}
