package gate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/output"
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

// checkDrift compares dir in the snapshot with the generated files, by
// git blob id: the snapshot's files are never read, except the record.
func checkDrift(t *gitrev.Tree, dir string, files []kit.File) (Drift, error) {
	d := Drift{Output: dir}
	have, err := t.IDs(dir)
	if err != nil {
		return d, err
	}
	prefix := strings.TrimSuffix(dir, "/") + "/"
	if dir == "." || dir == "" {
		prefix = ""
	}
	want := make(map[string]string, len(files)+1)
	for _, f := range files {
		want[f.Path] = gitrev.BlobID(f.Data)
	}
	want[output.RecordFile] = gitrev.BlobID(recordOf(files))
	d.Files = len(want)
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		got, ok := have[prefix+rel]
		switch {
		case !ok:
			d.Missing = append(d.Missing, prefix+rel)
		case got != want[rel]:
			d.Changed = append(d.Changed, prefix+rel)
		}
	}
	record, err := t.Read(prefix+output.RecordFile, false, nil)
	if err != nil {
		return d, err
	}
	recorded := parseRecord(record[prefix+output.RecordFile])
	for _, rel := range slices.Sorted(maps.Keys(recorded)) {
		if _, produced := want[rel]; !produced {
			if _, present := have[prefix+rel]; present {
				d.Extra = append(d.Extra, prefix+rel)
			}
		}
	}
	return d, nil
}

// recordOf is the record `netpolc build` leaves after writing files: one
// "<sha256>  <path>" line per file, sorted by path (package output's
// format, which is sha256sum's).
func recordOf(files []kit.File) []byte {
	sorted := slices.Clone(files)
	kit.SortFiles(sorted)
	var b bytes.Buffer
	for _, f := range sorted {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), f.Path)
	}
	return b.Bytes()
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
