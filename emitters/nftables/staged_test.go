package nftables_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/settings"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
)

// stagedCases are the golden and conformance cases.
func stagedCases() map[string]*ir.Policy {
	out := map[string]*ir.Policy{}
	for name, p := range goldenCases {
		out["golden "+name] = p
	}
	for _, c := range confCases {
		out["conformance "+c.name] = c.p
	}
	return out
}

// emitStaged emits p for inv as build --staged does, with extra settings.
func emitStaged(t *testing.T, p *ir.Policy, inv inventory.Inventory, extra ...string) *nftapi.Ruleset {
	t.Helper()
	s := kit.Settings{settings.Staged: true}
	for i := 0; i+1 < len(extra); i += 2 {
		s.SetValue(extra[i], extra[i+1])
	}
	out, err := nftables.Emitter{}.Emit(kit.Input{Policy: p, Inventory: inv, Settings: s})
	if err != nil {
		t.Fatalf("staged Emit: %v", err)
	}
	return out.Objects.(*nftapi.Ruleset)
}

// TestStaged: the staged ruleset is the enforcing one with every drop
// replaced by log-and-accept (same matches, same place, a prefix naming
// the chain and the rule's intent, bounded to the kernel's prefix
// length) and nothing else changed; it drops nothing; read as the
// enforcement it stages, its "would drop" set is the enforcing ruleset's
// drop set and the model's; an enforcing reading refuses it.
func TestStaged(t *testing.T) {
	inv := confInventory()
	logged := 0
	for name, p := range stagedCases() {
		enf, err := nftables.Build(p, inv)
		if err != nil {
			t.Fatal(err)
		}
		st := emitStaged(t, p, inv)
		before := logged
		if len(st.Chains) != len(enf.Chains) || !reflect.DeepEqual(st.Sets, enf.Sets) || !reflect.DeepEqual(st.Maps, enf.Maps) {
			t.Fatalf("%s: sets, maps or chains differ", name)
		}
		for ci, c := range st.Chains {
			e := enf.Chains[ci]
			if len(c.Rules) != len(e.Rules) || !reflect.DeepEqual(c.Base, e.Base) {
				t.Fatalf("%s: chain %s differs", name, c.Name)
			}
			for ri, r := range c.Rules {
				er := e.Rules[ri]
				if !reflect.DeepEqual(r.Matches, er.Matches) || r.Comment != er.Comment {
					t.Errorf("%s: chain %s rule %d: matches or comment changed", name, c.Name, ri)
				}
				switch {
				case er.Verdict.Kind == nftapi.Drop:
					logged++
					checkLog(t, name, c.Name, r, er.Comment, 0)
				case r.Log != nil || !reflect.DeepEqual(r.Verdict, er.Verdict):
					t.Errorf("%s: chain %s rule %d: a rule that does not drop changed", name, c.Name, ri)
				}
			}
		}
		// Read per address (addrView), as the build's proof does.
		v := newAddrView(t, p, inv, reference(t, p, inv))
		peers := readnft.WithExternalPeers(v.model.ExternalPeers()...)
		want, err := readnft.Interpret(enf, v.inv, peers)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readnft.Interpret(st, v.inv, peers, readnft.WithStaged())
		if err != nil {
			t.Fatalf("%s: staged reading: %v", name, err)
		}
		if d := enforcer.Diff(want, got); !d.Empty() {
			t.Errorf("%s: would-drop set differs from the enforcing drop set: %+v", name, d)
		}
		if d := enforcer.Diff(v.matrix, got); !d.Empty() {
			t.Errorf("%s: staged reading differs from the model: %+v", name, d)
		}
		if _, err := readnft.Interpret(st, inv); logged > before && !errors.Is(err, readnft.ErrUnsupported) {
			t.Errorf("%s: an enforcing reading of the staged ruleset: %v, want ErrUnsupported", name, err)
		}
		if _, err := readnft.Interpret(enf, inv, readnft.WithStaged()); hasDrop(enf) && !errors.Is(err, readnft.ErrInvalid) {
			t.Errorf("%s: a staged reading of a ruleset that drops: %v, want ErrInvalid", name, err)
		}
	}
	if logged < 30 {
		t.Errorf("only %d staged rules", logged)
	}
}

func hasDrop(rs *nftapi.Ruleset) bool {
	for _, c := range rs.Chains {
		for _, r := range c.Rules {
			if r.Verdict.Kind == nftapi.Drop {
				return true
			}
		}
	}
	return false
}

// checkLog checks one staged rule: log to group, then accept, the prefix
// naming netpolc, the chain and the start of the intent's comment.
func checkLog(t *testing.T, name, chain string, r nftapi.Rule, comment string, group uint16) {
	t.Helper()
	if r.Log == nil || r.Verdict.Kind != nftapi.Accept || r.Log.Group != group {
		t.Errorf("%s: chain %s: %+v: want log to group %d and accept", name, chain, r, group)
		return
	}
	p := r.Log.Prefix
	head := "netpolc " + chain + ": "
	if len(p) > nftapi.MaxLogPrefix || !strings.HasPrefix(p, head) || !strings.HasSuffix(p, " ") ||
		!strings.HasPrefix(comment, strings.TrimSuffix(strings.TrimPrefix(p, head), " ")) {
		t.Errorf("%s: chain %s: prefix %q (%d bytes) does not name %q", name, chain, p, len(p), comment)
	}
}

// TestStagedGolden keeps one staged ruleset, the deny case, in
// testdata/staged-deny.nft, and the long-prefix case shows the bound.
func TestStagedGolden(t *testing.T) {
	inv := confInventory()
	st := emitStaged(t, goldenCases["deny"], inv, nftables.OptionNflogGroup, "7")
	for _, c := range st.Chains {
		for _, r := range c.Rules {
			if r.Log != nil && r.Log.Group != 7 {
				t.Errorf("group %d, want 7", r.Log.Group)
			}
		}
	}
	compareGolden(t, filepath.Join("testdata", "staged-deny.nft"), nftables.Files(st)[0].Data)
}

// TestStagedNflogGroup: a group that is no number 0-65535 is a setting
// error.
func TestStagedNflogGroup(t *testing.T) {
	for _, v := range []string{"x", "65536", "-1"} {
		s := kit.Settings{settings.Staged: true}
		s.SetValue(nftables.OptionNflogGroup, v)
		_, err := nftables.Emitter{}.Emit(kit.Input{Policy: goldenCases["deny"], Inventory: confInventory(), Settings: s})
		if !errors.Is(err, kit.ErrInvalid) {
			t.Errorf("group %q: %v, want ErrInvalid", v, err)
		}
	}
}

// TestStagedNftCheck has nft parse and validate every staged ruleset (log
// statements with their prefixes and group included) against the kernel.
func TestStagedNftCheck(t *testing.T) {
	inv := confInventory()
	rulesets := map[string]string{}
	for name, p := range stagedCases() {
		rulesets[name] = string(nftables.Files(emitStaged(t, p, inv))[0].Data)
	}
	kerneltest.CheckSyntax(t, rulesets)
}
