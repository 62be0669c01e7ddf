package gate

import (
	"bufio"
	"bytes"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/par"
)

// Drift is how the generated output held in a snapshot differs from a
// fresh build of the snapshot's intents. Paths are repository paths.
type Drift struct {
	// Output is the output directory checked; "" when none was given.
	Output string
	// Files counts the files a fresh build produces (the record
	// included).
	Files int
	// Changed files differ from what the build makes; Missing ones the
	// build makes are absent; Extra ones netpolc wrote earlier (they are
	// in the snapshot's record) are no longer produced. Files netpolc
	// never wrote are not drift.
	Changed, Missing, Extra []string
}

// Drifted reports whether anything differs.
func (d *Drift) Drifted() bool { return len(d.Changed)+len(d.Missing)+len(d.Extra) > 0 }

// snapshotOutput is what a snapshot holds of an output directory: the
// blob id of every file, and the paths its record names. Drift is
// decided by blob id: the snapshot's files are never read, except the
// record.
type snapshotOutput struct {
	dir      string
	prefix   string // dir as a prefix of repository paths
	have     map[string]string
	recorded map[string]bool
	err      error
}

// readOutput reads dir's ids and record from the snapshot.
func readOutput(t *gitrev.Tree, dir string) *snapshotOutput {
	s := &snapshotOutput{dir: dir, prefix: strings.TrimSuffix(dir, "/") + "/"}
	if dir == "." || dir == "" {
		s.prefix = ""
	}
	if s.have, s.err = t.IDs(dir); s.err != nil {
		return s
	}
	record, err := t.Read(s.prefix+output.RecordFile, false, nil)
	if err != nil {
		s.err = err
		return s
	}
	s.recorded = parseRecord(record[s.prefix+output.RecordFile])
	return s
}

// startReadOutput is readOutput on another goroutine, while the intents
// compile (the output of 20,000 workloads holds 40,000 files); the
// returned func waits for it.
func startReadOutput(t *gitrev.Tree, dir string) func() *snapshotOutput {
	done := make(chan *snapshotOutput, 1)
	go func() { done <- readOutput(t, dir) }()
	return sync.OnceValue(func() *snapshotOutput { return <-done })
}

// drift compares what the snapshot holds with the generated files.
func (s *snapshotOutput) drift(files []kit.File) (Drift, error) {
	d := Drift{Output: s.dir}
	if s.err != nil {
		return d, s.err
	}
	ids, record := fileIDs(files)
	want := make(map[string]string, len(files)+1)
	for i, f := range files {
		want[f.Path] = ids[i]
	}
	want[output.RecordFile] = gitrev.BlobID(record)
	d.Files = len(want)
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		got, ok := s.have[s.prefix+rel]
		switch {
		case !ok:
			d.Missing = append(d.Missing, s.prefix+rel)
		case got != want[rel]:
			d.Changed = append(d.Changed, s.prefix+rel)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(s.recorded)) {
		if _, produced := want[rel]; !produced {
			if _, present := s.have[s.prefix+rel]; present {
				d.Extra = append(d.Extra, s.prefix+rel)
			}
		}
	}
	return d, nil
}

// fileIDs are the git blob id of each file, hashed on every CPU, and
// the record `netpolc build` leaves after writing them.
func fileIDs(files []kit.File) (ids []string, record []byte) {
	ids = make([]string, len(files))
	par.For(len(files), func(i int) { ids[i] = gitrev.BlobID(files[i].Data) })
	return ids, output.RecordOf(files)
}

// parseRecord reads the paths of a record; malformed lines are ignored
// (the record then differs from the expected one, which is drift anyway).
func parseRecord(data []byte) map[string]bool {
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if _, p, ok := strings.Cut(sc.Text(), "  "); ok && p != "" && path.Clean(p) == p {
			out[p] = true
		}
	}
	return out
}
