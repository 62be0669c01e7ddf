package gate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/owners"
)

// Cache is verify's record of the states it verified in full and found
// sound (no drift, every guardrail and expectation holding, no finding
// at all), keyed by a hash of everything such a result depends on: the
// blob ids of every file the build and the checks read, the options, the
// ownership map used, and the netpolc build. A run whose base and head
// hold the same bytes in all those files, and whose head's key is
// recorded, reports the recorded result without compiling anything: the
// diff is empty, and drift and the checks are what they were.
//
// The file lives in the git directory, which no commit can write. It is
// a hint, never a verdict: a file that cannot be read or parsed, or an
// entry whose check sum does not match, counts as nothing recorded (a
// full verify), and a failure to write it is ignored. Whoever can write
// the git directory can also replace the hook, so the check sums guard
// against corruption, not against that.
type Cache struct {
	// File is the cache file (in the git directory).
	File string
	// Build identifies the netpolc binary: a different build never
	// reuses a result.
	Build string
	// Context is what else shapes the result: the flags, the working
	// directory, the environment that sets limits.
	Context string
	// Inputs are the other repository paths the run reads: every place
	// netpolc.yaml is looked for, the inventory (files or directories).
	Inputs []string
}

// cacheEntry is what a recorded run reports.
type cacheEntry struct{ files, guardrails, expectations int }

const (
	cacheHeader  = "netpolc verify-cache 1"
	cacheEntries = 64      // the newest are kept
	cacheBytes   = 1 << 20 // a larger file is not netpolc's
)

// cacheInput is a repository path a run reads: an intents directory (the
// .cue files directly in it, as readIntents reads them) or a file or
// directory read whole.
type cacheInput struct {
	path    string
	intents bool
}

// cacheInputs are the paths whose content decides the run's result.
func (o Options) cacheInputs() []cacheInput {
	var in []cacheInput
	if o.Owners == nil {
		in = append(in, cacheInput{path: o.Intents, intents: true})
	}
	for _, m := range []owners.Map{o.Owners, o.Config.Head.Owners, o.Config.Base.Owners} {
		for _, ow := range m {
			in = append(in, cacheInput{path: ow.Dir, intents: true})
		}
	}
	for _, p := range append([]string{o.Output, o.Config.Head.Output, o.Config.Base.Output}, o.Cache.Inputs...) {
		if p != "" {
			in = append(in, cacheInput{path: p})
		}
	}
	slices.SortFunc(in, func(a, b cacheInput) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return strings.Compare(strconv.FormatBool(a.intents), strconv.FormatBool(b.intents))
	})
	return slices.Compact(in)
}

// inputsFingerprint hashes the blob ids of every file the inputs name in a
// snapshot (and which paths hold none).
func inputsFingerprint(t *gitrev.Tree, inputs []cacheInput) (string, error) {
	h := sha256.New()
	for _, in := range inputs {
		fmt.Fprintf(h, "input %q %t\n", in.path, in.intents)
		id, ok, err := t.FileID(in.path)
		if err != nil {
			return "", err
		}
		if ok {
			fmt.Fprintf(h, "file %s\n", id)
			continue
		}
		ids, err := t.SortedIDs(in.path, !in.intents)
		if err != nil {
			return "", err
		}
		var line []byte
		for _, f := range ids {
			if !in.intents || strings.HasSuffix(f.Path, ".cue") {
				// "%q %s\n", without fmt: 40,000 lines at 20,000 workloads.
				line = strconv.AppendQuote(line[:0], f.Path)
				line = append(line, ' ')
				line = hex.AppendEncode(line, f.ID[:])
				h.Write(append(line, '\n'))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cacheKey is the key of the head's state, and whether the base holds
// the same bytes in every input; "" when there is no cache or a
// snapshot cannot be fingerprinted (the full run then says why).
func (o Options) cacheKey() (key string, same bool) {
	if o.Cache == nil {
		return "", false
	}
	inputs := o.cacheInputs()
	// Both snapshots at once: the base is a commit, whose trees go-git
	// decodes, the head mostly the index's ids (40,000 output files at
	// 20,000 workloads, a tenth of a second each).
	var (
		base    string
		baseErr error
		wg      sync.WaitGroup
	)
	if o.Base != nil {
		wg.Go(func() { base, baseErr = inputsFingerprint(o.Base, inputs) })
	}
	head, err := inputsFingerprint(o.Head, inputs)
	wg.Wait()
	if err != nil {
		return "", false
	}
	same = o.Base != nil && baseErr == nil && base == head
	owners, err := json.Marshal(o.Owners)
	if err != nil {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nbuild %q\ncontext %q\nintents %q\noutput %q\nowners %s\ninputs %s\n",
		cacheHeader, o.Cache.Build, o.Cache.Context, o.Intents, o.Output, owners, head)
	return hex.EncodeToString(h.Sum(nil)), same
}

// lookup returns the entry recorded under key.
func (c *Cache) lookup(key string) (cacheEntry, bool) {
	entries, _ := c.read()
	i := slices.IndexFunc(entries, func(e keyedEntry) bool { return e.key == key })
	if i < 0 {
		return cacheEntry{}, false
	}
	return entries[i].cacheEntry, true
}

// store records a sound run under key, keeping the newest entries; a
// file that does not parse is replaced.
func (c *Cache) store(key string, e cacheEntry) error {
	entries, _ := c.read()
	entries = slices.DeleteFunc(entries, func(x keyedEntry) bool { return x.key == key })
	entries = append(entries, keyedEntry{key, e})
	if len(entries) > cacheEntries {
		entries = entries[len(entries)-cacheEntries:]
	}
	var b bytes.Buffer
	b.WriteString(cacheHeader + "\n")
	for _, x := range entries {
		line := x.line()
		fmt.Fprintf(&b, "%s %s\n", line, lineSum(line))
	}
	if err := os.MkdirAll(filepath.Dir(c.File), 0o777); err != nil {
		return err
	}
	return atomicfile.WriteFile(c.File, b.Bytes(), 0o666)
}

// keyedEntry is one line of the file.
type keyedEntry struct {
	key string
	cacheEntry
}

func (x keyedEntry) line() string {
	return fmt.Sprintf("%s %d %d %d", x.key, x.files, x.guardrails, x.expectations)
}

// lineSum is a line's check sum.
func lineSum(line string) string {
	sum := sha256.Sum256([]byte(cacheHeader + "\x00" + line))
	return hex.EncodeToString(sum[:16])
}

// errCorrupt: the cache file is not one netpolc wrote, whole.
var errCorrupt = errors.New("verify cache: corrupt")

// read parses the file: all of it, or nothing.
func (c *Cache) read() ([]keyedEntry, error) {
	f, err := os.Open(c.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, cacheBytes+1))
	if err != nil || len(data) > cacheBytes {
		return nil, errCorrupt
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() || sc.Text() != cacheHeader {
		return nil, errCorrupt
	}
	var out []keyedEntry
	for sc.Scan() {
		x, ok := parseEntry(sc.Text())
		if !ok {
			return nil, errCorrupt
		}
		out = append(out, x)
	}
	if sc.Err() != nil || !bytes.HasSuffix(data, []byte("\n")) {
		return nil, errCorrupt
	}
	return out, nil
}

// parseEntry reads "KEY FILES GUARDRAILS EXPECTATIONS SUM".
func parseEntry(s string) (keyedEntry, bool) {
	f := strings.Fields(s)
	if len(f) != 5 || len(f[0]) != sha256.Size*2 {
		return keyedEntry{}, false
	}
	var n [3]int
	for i := range n {
		v, err := strconv.Atoi(f[i+1])
		if err != nil || v < 0 {
			return keyedEntry{}, false
		}
		n[i] = v
	}
	x := keyedEntry{f[0], cacheEntry{n[0], n[1], n[2]}}
	if x.line() != strings.Join(f[:4], " ") || lineSum(x.line()) != f[4] {
		return keyedEntry{}, false
	}
	return x, true
}
