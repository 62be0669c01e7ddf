package output

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/atomicfile"
)

// record maps each path netpolc wrote to the sha256 sums of the contents
// it may have left there: normally one; while a run is placing files, the
// old and the new one.
type record map[string][]string

// hashOf is the hex sha256 of data.
func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// has reports whether netpolc wrote path.
func (r record) has(path string) bool { return len(r[path]) > 0 }

// hasHash reports whether netpolc wrote path with the content of sum.
func (r record) hasHash(path, sum string) bool { return slices.Contains(r[path], sum) }

// paths returns the recorded paths, sorted.
func (r record) paths() []string { return slices.Sorted(maps.Keys(r)) }

// union returns a record accepting the contents of both r and o.
func (r record) union(o record) record {
	out := record{}
	for _, src := range []record{r, o} {
		for p, sums := range src {
			out[p] = append(out[p], sums...)
		}
	}
	for p, sums := range out {
		slices.Sort(sums)
		out[p] = slices.Compact(sums)
	}
	return out
}

// format prints the record in sha256sum format, sorted by path and sum.
func (r record) format() []byte {
	var buf bytes.Buffer
	for _, p := range r.paths() {
		for _, sum := range slices.Sorted(slices.Values(r[p])) {
			fmt.Fprintf(&buf, "%s  %s\n", sum, p)
		}
	}
	return buf.Bytes()
}

// readRecord reads dir/RecordFile; a missing record is an empty one. Every
// recorded path must be a safe output path: the record decides what gets
// deleted, so a tampered one must not reach outside dir.
func readRecord(dir string) (record, error) {
	name := filepath.Join(dir, RecordFile)
	fi, err := os.Lstat(name)
	switch {
	case isMissing(err):
		return record{}, nil
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrRecord, err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s: %w: it is a %s", name, ErrRecord, kind(fi.Mode()))
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRecord, err)
	}
	r := record{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		sum, p, ok := strings.Cut(sc.Text(), "  ")
		if _, herr := hex.DecodeString(sum); !ok || len(sum) != sha256.Size*2 || herr != nil {
			return nil, fmt.Errorf("%s:%d: %w: want \"<sha256>  <path>\"; delete the file to start afresh", name, n, ErrRecord)
		}
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %w", name, n, ErrRecord, err)
		}
		r[p] = append(r[p], strings.ToLower(sum))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrRecord, err)
	}
	return r, nil
}

// writeRecord replaces dir/RecordFile with r atomically (a temporary file
// in dir, then a rename), unless it already says exactly that.
func writeRecord(dir string, r record) error {
	name := filepath.Join(dir, RecordFile)
	data := r.format()
	cur, err := os.ReadFile(name)
	if err == nil && bytes.Equal(cur, data) {
		return nil
	}
	if isMissing(err) && len(data) == 0 {
		return nil // nothing written, nothing to record
	}
	if err := atomicfile.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	return nil
}
