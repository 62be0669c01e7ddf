package manifests

import (
	"runtime"

	"go.yaml.in/yaml/v3"

	"github.com/netpolc/netpolc/internal/diag"
)

// parsed is one chunk of a file, parsed: its documents' content nodes, or
// why it could not be read.
type parsed struct {
	chunk
	bad  *diag.Diagnostic // not UTF-8: nothing was parsed
	docs []*yaml.Node
	line int    // of the syntax error that ended the chunk, with msg
	msg  string // the parser's message, "" for none
}

// parseFile cuts a file into chunks and parses each, with the fast
// parser first when fast is set. It touches nothing
// but its arguments, so files are parsed on every CPU at once.
func parseFile(name string, data []byte, fast bool) []parsed {
	var out []parsed
	a := &nodeArena{}
	for c := range documents(data) {
		p := parsed{chunk: c, bad: checkUTF8(name, c)}
		if p.bad == nil {
			p.docs, p.line, p.msg = parseChunkIn(c, a, fast)
		}
		out = append(out, p)
	}
	return out
}

// fileResult is one file parsed and, when reading ahead, what a builder
// made of it alone (alone.go).
type fileResult struct {
	chunks []parsed
	alone  *builder
}

// prefetch parses files ahead of the one being read, one file per CPU, at
// most a few files ahead so that memory stays bounded by what is being
// read, and reads each alone with a builder made from template t:
// next(i) returns file i's result, waiting for it if need be. Files must
// be asked for in order; stop releases the workers.
func prefetch(files []File, t builder) (next func(i int) fileResult, stop func()) {
	results := make([]chan fileResult, len(files))
	for i := range results {
		results[i] = make(chan fileResult, 1)
	}
	ahead, fast := readAhead, fastYAML // workers may outlive the run
	window := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	quit := make(chan struct{})
	go func() {
		for i, f := range files {
			select {
			case window <- struct{}{}:
			case <-quit:
				return
			}
			go func() {
				r := fileResult{chunks: parseFile(f.Name, f.Data, fast)}
				if ahead {
					r.alone = readAlone(t, i, f.Name, r.chunks)
				}
				results[i] <- r
			}()
		}
	}()
	next = func(i int) fileResult {
		p := <-results[i]
		<-window
		return p
	}
	return next, func() { close(quit) }
}
