package kit

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
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
