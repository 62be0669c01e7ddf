package manifests

import (
	"fmt"
	"strings"
	"testing"
)

// TestDuplicateInLists defines objects of a List, in a chunk after
// others, again: their first definitions are read again from their chunk
// (once for all of them), the Pod's status compared as the Pod's, the
// Namespace's left out, and an aliased item is the same object.
func TestDuplicateInLists(t *testing.T) {
	first := "apiVersion: v1\nkind: Namespace\nmetadata: {name: z}\n---\n" +
		"apiVersion: v1\nkind: List\nitems:\n" +
		"- &ns {apiVersion: v1, kind: Namespace, metadata: {name: a}, status: {phase: Active}}\n" +
		"- *ns\n" +
		"- {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: a}, status: {podIP: 10.0.0.1, phase: Running}}\n"
	var again strings.Builder
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&again, "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a, uid: u%d}\n", i)
	}
	s, err := ParseFiles(File{"one.yaml", []byte(first)}, File{"two.yaml", []byte(again.String())})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(s.Notes, "\n"), "is defined again, identically, at one.yaml:8:3"); n != 4 {
		t.Errorf("notes %q: want 4 naming one.yaml:8:3 (the alias and three dumps)", s.Notes)
	}
	moved := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nstatus: {podIP: 10.0.0.2, phase: Running}\n"
	_, err = ParseFiles(File{"one.yaml", []byte(first)}, File{"two.yaml", []byte(moved)})
	want := "two.yaml:1:1: Pod a/p: defined twice, differently: here and at one.yaml:10:3; status.podIP: \"10.0.0.2\" here, \"10.0.0.1\" there"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want %s", err, want)
	}
}
