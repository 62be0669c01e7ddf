package cilium

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/settings"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestStaged: Cilium has no staged policy kind, so build --staged writes
// the very objects and files of the enforcing build, plus the audit-mode
// note (not a .yaml file: no kustomization lists it) naming every
// namespace with policies, and a warning that they enforce unless audit
// mode is on.
func TestStaged(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, p := range ex {
		in := kit.Input{Policy: p, Inventory: enforcer.InventoryFromIR(p), AllowApproximate: true}
		enf, err := Emitter{}.Emit(in)
		if err != nil {
			continue // refused whatever --staged says (the errors tests cover why)
		}
		in.Settings = kit.Settings{settings.Staged: true}
		st, err := Emitter{}.Emit(in)
		if err != nil {
			t.Fatalf("%s: staged: %v", name, err)
		}
		checked++
		if !reflect.DeepEqual(enf.Objects, st.Objects) {
			t.Errorf("%s: staged objects differ from the enforcing ones", name)
		}
		var note string
		var files []kit.File
		for _, f := range st.Files {
			if f.Path == targetName+"/"+stagedNote {
				note = string(f.Data)
				continue
			}
			files = append(files, f)
		}
		if !reflect.DeepEqual(files, enf.Files) {
			t.Errorf("%s: staged files differ from the enforcing ones besides the note", name)
		}
		if !strings.Contains(note, "ENFORCE unless audit mode is on") || !strings.Contains(note, "PolicyAuditMode=Enabled") {
			t.Errorf("%s: note:\n%s", name, note)
		}
		for _, pol := range st.Objects.([]ciliumapi.CiliumNetworkPolicy) {
			if pol.Namespace != "" && !strings.Contains(note, "\n- "+pol.Namespace+"\n") && !strings.HasSuffix(note, "\n- "+pol.Namespace) {
				t.Errorf("%s: the note does not name namespace %s", name, pol.Namespace)
			}
		}
		if len(st.Warnings) == 0 || st.Warnings[len(st.Warnings)-1].Message != stagedWarning {
			t.Errorf("%s: warnings %v", name, st.Warnings)
		}
	}
	if checked < 5 {
		t.Errorf("only %d examples built", checked)
	}
}
