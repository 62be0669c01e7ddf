package output

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/par"
)

// record maps each path netpolc wrote to the sha256 sums of the contents
// it may have left there: normally one (records of netpolc before the
// journal could name two while a run was placing files).
type record map[string][]string

// hashOf is the hex sha256 of data.
func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// RecordOf is the RecordFile a write of files leaves (the files hashed on
// every CPU): what verify expects to find beside a fresh build's files.
func RecordOf(files []kit.File) []byte {
	sums := make([]string, len(files))
	par.For(len(files), func(i int) { sums[i] = hashOf(files[i].Data) })
	r := make(record, len(files))
	for i, f := range files {
		r[f.Path] = []string{sums[i]}
	}
	return r.format()
}

// has reports whether netpolc wrote path.
func (r record) has(path string) bool { return len(r[path]) > 0 }

// hasHash reports whether netpolc wrote path with the content of sum.
func (r record) hasHash(path, sum string) bool { return slices.Contains(r[path], sum) }

// paths returns the recorded paths, sorted.
func (r record) paths() []string { return slices.Sorted(maps.Keys(r)) }

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

// parseRecord reads a record; name places it in errors. Every recorded
// path must be a safe output path: the record decides what gets deleted,
// so a tampered one must not reach outside the output directory.
func parseRecord(name string, data []byte) (record, error) {
	r := record{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		sum, p, ok := strings.Cut(sc.Text(), "  ")
		if _, herr := hex.DecodeString(sum); !ok || len(sum) != sha256.Size*2 || herr != nil {
			return nil, fmt.Errorf("%s:%d: %w: want \"<sha256>  <path>\"; delete the file to start afresh", name, n, errRecord)
		}
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %w", name, n, errRecord, err)
		}
		r[p] = append(r[p], strings.ToLower(sum))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, errRecord, err)
	}
	return r, nil
}
