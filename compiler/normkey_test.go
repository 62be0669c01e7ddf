package compiler

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// jsonKey is the key as encoding/json writes it: what ruleKey and
// isolationKey must equal byte for byte.
func jsonKey(vs ...any) string {
	var s string
	for _, v := range vs {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		s += string(data) + "\x00"
	}
	return s
}

// randStrings are the strings the random rules are made of: plain ones,
// empty, and every kind encoding/json escapes.
var randStrings = []string{"", "web", "ns-a", "app.kubernetes.io/name", "a\"b", `back\slash`, "<html>&", "tab\there", "nl\n", "\x01", "é", "\u2028", "\xff\xfe", "10.0.0.0/8"}

func randString(r *rand.Rand) string { return randStrings[r.IntN(len(randStrings))] }

func randStringList(r *rand.Rand) []string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+r.IntN(3))
	for i := range out {
		out[i] = randString(r)
	}
	return out
}

func randSelector(r *rand.Rand) metav1.LabelSelector {
	var s metav1.LabelSelector
	switch r.IntN(3) {
	case 1:
		s.MatchLabels = map[string]string{}
	case 2:
		s.MatchLabels = map[string]string{}
		for range 1 + r.IntN(4) {
			s.MatchLabels[randString(r)] = randString(r)
		}
	}
	if r.IntN(2) == 0 {
		for range r.IntN(3) {
			s.MatchExpressions = append(s.MatchExpressions, metav1.LabelSelectorRequirement{
				Key: randString(r), Operator: metav1.LabelSelectorOperator(randString(r)), Values: randStringList(r)})
		}
		if s.MatchExpressions == nil && r.IntN(2) == 0 {
			s.MatchExpressions = []metav1.LabelSelectorRequirement{}
		}
	}
	return s
}

func randSelectorPtr(r *rand.Rand) *metav1.LabelSelector {
	if r.IntN(3) == 0 {
		return nil
	}
	s := randSelector(r)
	return &s
}

func randRule(r *rand.Rand) ir.Rule {
	rule := ir.Rule{
		Subject:   ir.Subject{Namespace: randString(r), Pods: randSelector(r), Name: randString(r)},
		Direction: ir.Direction(randString(r)),
		Peer: ir.Peer{Kind: ir.PeerKind(randString(r)), Namespaces: randSelectorPtr(r), Pods: randSelectorPtr(r),
			FQDN: randString(r), Ref: randString(r)},
		Action: ir.Action(randString(r)),
		Origin: ir.Origin{Pos: diag.Pos{File: randString(r), Line: r.IntN(3), Col: r.IntN(3)}},
	}
	if r.IntN(3) > 0 {
		rule.Peer.CIDRs = []ir.IPBlock{}
		for range r.IntN(3) {
			rule.Peer.CIDRs = append(rule.Peer.CIDRs, ir.IPBlock{CIDR: randString(r), Except: randStringList(r)})
		}
	}
	if r.IntN(3) > 0 {
		rule.Ports = []ir.Port{}
		for range r.IntN(3) {
			rule.Ports = append(rule.Ports, ir.Port{Protocol: portset.Protocol(r.IntN(5)),
				Number: int32(r.IntN(70000)) - 1, End: int32(r.IntN(3)), Name: randString(r)})
		}
	}
	return rule
}

func TestKeysAreTheJSONTexts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		rule := randRule(r)
		if got, want := ruleKey(&rule), jsonKey(rule.Subject, rule.Direction, rule.Peer, rule.Ports, rule.Action); got != want {
			t.Fatalf("rule %d: key\n%q\nencoding/json\n%q", i, got, want)
		}
		iso := ir.Isolation{Subject: rule.Subject, Direction: rule.Direction}
		if got, want := isolationKey(&iso), jsonKey(iso.Subject, iso.Direction); got != want {
			t.Fatalf("isolation %d: key\n%q\nencoding/json\n%q", i, got, want)
		}
	}
}

func FuzzKeyString(f *testing.F) {
	for _, s := range randStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b keyBuf
		b.str(s)
		want, _ := json.Marshal(s)
		if string(b) != string(want) {
			t.Fatalf("%q: key %s, encoding/json %s", s, b, want)
		}
	})
}

// stableDedupe is dedupe as a stable sort of the elements themselves by
// their JSON keys and origins: what dedupe's result must equal.
func stableDedupe(rules []ir.Rule) (kept, dropped []ir.Rule) {
	type item struct {
		k string
		r ir.Rule
	}
	items := make([]item, len(rules))
	for i, r := range rules {
		items[i] = item{jsonKey(r.Subject, r.Direction, r.Peer, r.Ports, r.Action), r}
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].k != items[j].k {
			return items[i].k < items[j].k
		}
		return originLess(items[i].r.Origin, items[j].r.Origin)
	})
	for i, it := range items {
		if i > 0 && it.k == items[i-1].k {
			dropped = append(dropped, it.r)
		} else {
			kept = append(kept, it.r)
		}
	}
	return kept, dropped
}

// sameRules is reflect.DeepEqual, an empty list equal to none.
func sameRules(a, b []ir.Rule) bool { return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b) }

func TestDedupeKeepsTheFirstOfEachKeyInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		// Few distinct rules, many copies: duplicates, equal origins,
		// and long permutation cycles.
		distinct := make([]ir.Rule, 1+r.IntN(8))
		for i := range distinct {
			distinct[i] = randRule(r)
		}
		rules := make([]ir.Rule, r.IntN(3000))
		for i := range rules {
			rules[i] = distinct[r.IntN(len(distinct))]
			rules[i].Origin.Line = r.IntN(4)
			rules[i].Origin.Via = fmt.Sprint(i) // tells equal-origin copies apart
		}
		wantKept, wantDropped := stableDedupe(rules)
		kept, dropped := dedupe(rules, ruleKey, func(r *ir.Rule) diag.Pos { return r.Origin.Pos })
		if !sameRules(kept, wantKept) || !sameRules(dropped, wantDropped) {
			t.Fatalf("round %d (%d rules): kept %d dropped %d, want %d and %d", round, len(rules), len(kept), len(dropped), len(wantKept), len(wantDropped))
		}
	}
}
