package manifests

import (
	"bytes"
	"io"
	"os"
	"unicode/utf8"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/limits"
)

// The bounds on the manifests of one run, so that a hostile or mistaken
// input fails at a position instead of taking a CI runner's memory (about
// 50 bytes of memory per byte of YAML at the peak, twice that for dense
// flow style); NETPOLC_LIMITS overrides them (see internal/limits).
var (
	bytesLimit = limits.New("manifest-bytes", 32<<20,
		"bytes of manifests read in one run")
	documentsLimit = limits.New("manifest-documents", 100_000,
		"YAML documents (parts between --- lines) in one run")
	objectsLimit = limits.New("manifest-objects", 100_000,
		"objects in one run, every kind: List item counting")
)

// bounds are the limits in force for one run and the counts against them.
type bounds struct {
	bytes, documents, objects, perByte int64 // the limits
	docs, objs                         int64 // counted so far
}

// loadBounds reads the limits in force (NETPOLC_LIMITS or the defaults).
func loadBounds() (bounds, error) {
	var b bounds
	for _, l := range []struct {
		limit *limits.Limit
		v     *int64
	}{{bytesLimit, &b.bytes}, {documentsLimit, &b.documents}, {objectsLimit, &b.objects}, {expansionLimit, &b.perByte}} {
		v, err := l.limit.Value()
		if err != nil {
			return b, err
		}
		*l.v = v
	}
	return b, nil
}

// readFiles reads the named files, no more than maxBytes in all. Past the
// bound it stops (ok is false) with the problem, at the line where the
// bound is passed.
func readFiles(names []string, maxBytes int64) (files []File, errs diag.List, ok bool) {
	var total int64
	for _, name := range names {
		data, err := readAtMost(name, maxBytes-total)
		if err != nil {
			errs = append(errs, readError(name, err))
			continue
		}
		if total+int64(len(data)) > maxBytes {
			return nil, append(errs, tooManyBytes(name, data, maxBytes-total, maxBytes, statSizes(names))), false
		}
		total += int64(len(data))
		files = append(files, File{Name: name, Data: data})
	}
	return files, errs, true
}

// readAtMost reads name, or its first n+1 bytes when it is longer than n
// (so that a huge file, or /dev/zero, is never read whole).
func readAtMost(name string, n int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(bytes.MinRead)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size += st.Size()
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, n+1)))
	_, err = buf.ReadFrom(io.LimitReader(f, n+1))
	return buf.Bytes(), err
}

// statSizes is the total size of the named files, for the hint.
func statSizes(names []string) int64 {
	var total int64
	for _, name := range names {
		if st, err := os.Stat(name); err == nil {
			total += st.Size()
		}
	}
	return total
}

// checkBytes is the problem of in-memory files larger than maxBytes in
// all, or nil.
func checkBytes(files []File, maxBytes int64) *diag.Diagnostic {
	var total, need int64
	for _, f := range files {
		need += int64(len(f.Data))
	}
	for _, f := range files {
		if total+int64(len(f.Data)) > maxBytes {
			return tooManyBytes(f.Name, f.Data, maxBytes-total, maxBytes, need)
		}
		total += int64(len(f.Data))
	}
	return nil
}

// tooManyBytes is the problem of manifests larger than maxBytes, passed
// at byte off of data, the text of file name; need is their size.
func tooManyBytes(name string, data []byte, off, maxBytes, need int64) *diag.Diagnostic {
	return problem(positionAt(name, data, int(off)), "", errLimit, bytesLimit.Hint(need),
		"the manifests are larger than %d bytes, the limit for one run; they pass it here", maxBytes)
}

// positionAt is the position of byte off of data (1-based line, and
// column in characters).
func positionAt(name string, data []byte, off int) diag.Pos {
	off = min(max(off, 0), len(data))
	line := bytes.Count(data[:off], []byte{'\n'}) + 1
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return diag.Pos{File: name, Line: line, Col: utf8.RuneCount(data[start:off]) + 1}
}

// countDocument counts one more document, at line of file, and tells
// whether it is within the bound.
func (b *builder) countDocument(file string, line int) bool {
	if b.lim.docs++; b.lim.docs <= b.lim.documents {
		return true
	}
	b.stop(problem(diag.Pos{File: file, Line: line, Col: 1}, "", errLimit, documentsLimit.Hint(0),
		"more than %d YAML documents, the limit for one run", b.lim.documents))
	return false
}

// countObject counts one more object, at pos, and tells whether it is
// within the bound.
func (b *builder) countObject(pos diag.Pos) bool {
	if b.lim.objs++; b.lim.objs <= b.lim.objects {
		return true
	}
	b.stop(problem(pos, "", errLimit, objectsLimit.Hint(0),
		"more than %d objects, the limit for one run", b.lim.objects))
	return false
}

// stop records the problem that ends the run.
func (b *builder) stop(d *diag.Diagnostic) {
	b.errs = append(b.errs, d)
	b.stopped = true
}
