package manifests

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBounds checks each bound of internal/limits fails at the position
// where it is passed, with a hint naming the override.
func TestBounds(t *testing.T) {
	ns := func(name string) string { return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n" }
	three := ns("a") + "---\n" + ns("b") + "---\n" + ns("c") // 161 bytes
	list := "apiVersion: v1\nkind: List\nitems:\n"
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		list += "- {apiVersion: v1, kind: Namespace, metadata: {name: " + name + "}}\n"
	}
	tests := []struct {
		name, env, yaml, at, hint string
	}{
		// Byte 100 is on line 7, column 15.
		{"bytes", "manifest-bytes=100", three, "x.yaml:7:15: ", "NETPOLC_LIMITS=manifest-bytes=161 "},
		// The third document starts at the --- of line 8.
		{"documents", "manifest-documents=2", three, "x.yaml:8:1: ", "NETPOLC_LIMITS=manifest-documents=N "},
		// The List is the first object, its third item the fourth.
		{"objects", "manifest-objects=3", list, "x.yaml:6:3: ", "NETPOLC_LIMITS=manifest-objects=N "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NETPOLC_LIMITS", tt.env)
			_, err := Parse("x.yaml", []byte(tt.yaml))
			if !errors.Is(err, errLimit) || !strings.HasPrefix(err.Error(), tt.at) || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("error %v: want ErrLimit at %s with a hint containing %q", err, tt.at, tt.hint)
			}
			t.Setenv("NETPOLC_LIMITS", "")
			if _, err := Parse("x.yaml", []byte(tt.yaml)); errors.Is(err, errLimit) {
				t.Errorf("default limits: %v", err)
			}
		})
	}
}

// TestLoadBoundsBytes checks Load never reads more than the bound: not a
// big file, not /dev/zero, not the sum of several files.
func TestLoadBoundsBytes(t *testing.T) {
	t.Setenv("NETPOLC_LIMITS", "manifest-bytes=1KiB")
	dir := t.TempDir()
	small := []byte(strings.Repeat("# a comment line\n", 40)) // 680 bytes
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), small, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(dir)
	// 1024 - 680 = 344 bytes into b.yaml: line 21 starts at 340.
	want := filepath.Join(dir, "b.yaml") + ":21:5: the manifests are larger than 1024 bytes"
	if !errors.Is(err, errLimit) || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "manifest-bytes=1360 ") {
		t.Errorf("error %v, want one starting %q with a hint of manifest-bytes=1360", err, want)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	var alloc uint64
	alloc = allocated(func() { _, err = Load("/dev/zero") })
	if !errors.Is(err, errLimit) || alloc > 1<<20 {
		t.Errorf("Load(/dev/zero): %v after %d bytes allocated", err, alloc)
	}
}

// TestManyOwnersOneNote: a dump of thousands of pods whose ReplicaSets
// are not in the input groups each ReplicaSet's pods into one endpoint and
// says so in one note, not one per ReplicaSet.
func TestManyOwnersOneNote(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: PodList\nitems:\n")
	const owners = 2000
	for i := 0; i < owners; i++ {
		for _, p := range []string{"a", "b"} {
			fmt.Fprintf(&b, "- metadata: {name: w%d-5f6d-%s, namespace: ns%d, labels: {app: w%d, pod-template-hash: 5f6d},"+
				" ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: w%d-5f6d, uid: u%d, controller: true}]}\n"+
				"  spec: {containers: [{name: c, image: i}]}\n", i, p, i%40, i, i, i)
		}
	}
	s, err := Parse("pods.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Inventory.Endpoints) != owners {
		t.Errorf("%d endpoints, want one per ReplicaSet (%d)", len(s.Inventory.Endpoints), owners)
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], fmt.Sprintf("each of %d controllers", owners)) ||
		!strings.Contains(s.Notes[0], fmt.Sprintf("and %d more", owners-maxGroupNotes)) {
		t.Errorf("want one summary note for %d ReplicaSets, got %d: %.300q", owners, len(s.Notes), s.Notes)
	}
}
