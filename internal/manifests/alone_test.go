package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readRun is what ParseFiles returned, comparable.
type readRun struct {
	Set *Set
	Err string
}

// loadBoth runs ParseFiles on files with reading ahead and without.
func loadBoth(opts Options, files []File) (ahead, serial readRun) {
	run := func(on bool) readRun {
		readAhead = on
		defer func() { readAhead = true }()
		s, err := opts.ParseFiles(files...)
		return readRun{s, fmt.Sprint(err)}
	}
	return run(true), run(false)
}

// TestReadAheadIsSerial holds reading files ahead, each alone, to the
// serial read on the test data one file at a time, all of it as one run
// (duplicates across files), with --skip-invalid, under tight limits and
// on files that define each other's objects.
func TestReadAheadIsSerial(t *testing.T) {
	names, _ := filepath.Glob("testdata/*/*.*")
	var all []File
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil || strings.HasSuffix(n, ".golden") {
			continue
		}
		all = append(all, File{Name: n, Data: data})
	}
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    a: %s\n"
	cases := map[string][]File{
		"all":        all,
		"same again": {{"a.yaml", fmt.Appendf(nil, pod, "x")}, {"b.yaml", fmt.Appendf(nil, pod, "x")}},
		"differs":    {{"a.yaml", fmt.Appendf(nil, pod, "x")}, {"b.yaml", fmt.Appendf(nil, pod, "y")}, {"c.yaml", fmt.Appendf(nil, pod, "x")}},
	}
	for _, f := range all {
		cases[f.Name] = []File{f}
	}
	check := func(t *testing.T) {
		for name, files := range cases {
			for _, opts := range []Options{{}, {SkipInvalid: true}} {
				ahead, serial := loadBoth(opts, files)
				if !reflect.DeepEqual(ahead, serial) {
					t.Errorf("%s (skip invalid %v): read ahead\n%+v\nserially\n%+v", name, opts.SkipInvalid, ahead, serial)
				}
			}
		}
	}
	check(t)
	for _, lim := range []string{"manifest-objects=40", "manifest-documents=30", "manifest-expansion=1"} {
		t.Run(lim, func(t *testing.T) {
			t.Setenv("NETPOLC_LIMITS", lim)
			check(t)
		})
	}
}
