package render

import (
	"bufio"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/netpolc/netpolc/enforcer"
)

// bufferSize is the write buffer of every format: large, so that a matrix
// of gigabytes takes thousands of write calls, not millions.
const bufferSize = 1 << 20

// chunkPairs is about how many pairs one piece of parallel work formats.
const chunkPairs = 1 << 13

// rowFunc appends the lines of source node n's pairs to b, reading its
// destinations with c.
type rowFunc func(b []byte, c *enforcer.Cursor, n int) []byte

// pairWriter writes a format through a large buffer: its head and tail
// as they come, the pairs from a stream in parallel.
type pairWriter struct {
	*bufio.Writer
	// drop is how many bytes of the first pair's text to leave out (a
	// separator that only goes between pairs).
	drop int
}

func newPairWriter(w io.Writer) *pairWriter {
	return &pairWriter{Writer: bufio.NewWriterSize(w, bufferSize)}
}

// job is one chunk of source nodes, and where its text goes.
type job struct {
	enforcer.Chunk
	out chan []byte
}

var bufPool = sync.Pool{New: func() any { return []byte(nil) }}

// pairs writes every source node's lines, in node order: chunks of nodes
// are formatted on every CPU, and written as they come in order, with at
// most two chunks per CPU in memory. It returns the number of chunks'
// bytes written (0: no pair), or the first write error.
func (pw *pairWriter) pairs(s *enforcer.Stream, row rowFunc) (int64, error) {
	return runPairs(pw, enforcer.Chunks(s, chunkPairs), s.Cursor, row)
}

// viewPairs is pairs for the view the human formats show.
func (pw *pairWriter) viewPairs(v *view, row func(b []byte, c *viewCursor, n int) []byte) (int64, error) {
	return runPairs(pw, v.chunks(chunkPairs), v.cursor, row)
}

func runPairs[C any](pw *pairWriter, chunks []enforcer.Chunk, cursor func() C, row func(b []byte, c C, n int) []byte) (int64, error) {
	workers := runtime.GOMAXPROCS(0)
	jobs, pending := make(chan job), make(chan job, 2*workers)
	var stop atomic.Bool
	go func() {
		for _, c := range chunks {
			if stop.Load() {
				break
			}
			j := job{c, make(chan []byte, 1)}
			pending <- j
			jobs <- j
		}
		close(pending)
		close(jobs)
	}()
	for range workers {
		go func() {
			cur := cursor()
			for j := range jobs {
				b := bufPool.Get().([]byte)[:0]
				if !stop.Load() {
					for n := j.Lo; n < j.Hi; n++ {
						b = row(b, cur, n)
					}
				}
				j.out <- b
			}
		}()
	}
	return pw.collect(pending, &stop)
}

// collect writes the chunks' text in order, draining them all even after
// an error so that no worker is left blocked.
func (pw *pairWriter) collect(pending chan job, stop *atomic.Bool) (int64, error) {
	var written int64
	var err error
	for j := range pending {
		b := <-j.out
		if err == nil && len(b) > 0 {
			text := b
			if written == 0 {
				text = b[min(pw.drop, len(b)):]
			}
			written += int64(len(b))
			if _, err = pw.Write(text); err != nil {
				stop.Store(true)
			}
		}
		bufPool.Put(b)
	}
	return written, err
}

// finish flushes the buffer, keeping the first error.
func (pw *pairWriter) finish(err error) error {
	if ferr := pw.Flush(); err == nil {
		err = ferr
	}
	return err
}
