package flows

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/netpolc/netpolc/internal/diag"
)

// Bounds on hostile or broken input: a flow file comes from outside, so
// one record and the number of distinct connections are limited. A
// million flows of the same few thousand connections stream in
// MaxConnections' memory.
const (
	// MaxLine is the longest record, in bytes.
	MaxLine = 1 << 20
	// MaxConnections is how many distinct connections one run holds.
	MaxConnections = 1_000_000
	// MaxCount is the most flows one aggregated record may stand for,
	// and MaxFlows the most of a run, so that no sum overflows.
	MaxCount = 1 << 40
	MaxFlows = 1 << 60
)

// errInput marks a record netpolc cannot read.
var errInput = errors.New("invalid flow input")

// Reader reads flow files into one Set, resolving ends as it goes.
type Reader struct {
	res *Resolver
	// head, when set, resolves every record a second time, for the head
	// side of a change (NewCompareReader).
	head *Resolver
	set  *Set
}

// NewReader reads flows resolved by res.
func NewReader(res *Resolver) *Reader { return &Reader{res: res, set: newSet()} }

// NewCompareReader reads flows for a change: each record is resolved by
// the base's resolver and by the head's, in the one pass (standard input
// reads once), into Set.Both.
func NewCompareReader(base, head *Resolver) *Reader {
	rd := &Reader{res: base, head: head, set: newSet()}
	rd.set.Both = map[Both]*Miss{}
	return rd
}

// Set is what was read so far.
func (rd *Reader) Set() *Set { return rd.set }

// Read reads one input (name is used in positions). Each line is one
// record; its format is told by its first byte: `{` a JSON object (a
// Hubble flow, `hubble observe -o json`, or a Calico flow log record),
// anything else the CSV `src,dst,port/proto[,count]` (a first line
// starting `src,` is its header). Blank lines and lines starting with `#`
// are skipped. A record that does not parse is an error naming
// file:line, and reading stops: a replay over part of the traffic would
// call the rest unseen.
func (rd *Reader) Read(name string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		pos := diag.Pos{File: name, Line: line, Col: 1}
		obs, skip, err := parseRecord(text, line)
		if err != nil {
			return &diag.Diagnostic{Severity: diag.Error, Pos: pos, Msg: err.Error(), Err: errInput,
				Hint: "give Hubble JSON (hubble observe -o json), Calico flow logs (one JSON object per line) or CSV lines src,dst,port/proto[,count] (see README \"Observed traffic\")"}
		}
		switch {
		case skip == skipReply:
			rd.set.Replies++
			continue
		case skip != "":
			rd.set.Skipped[skip]++
			continue
		}
		if obs == nil { // a CSV header
			continue
		}
		obs.Pos = pos
		if err := rd.add(obs); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("a record is longer than %d bytes", MaxLine)
		}
		return &diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: name, Line: line + 1}, Msg: err.Error(), Err: errInput}
	}
	return nil
}

// parseRecord reads one line; skip names why a valid record is not a
// connection netpolc evaluates; a nil observation without skip is a
// header.
func parseRecord(text []byte, line int) (*Observation, string, error) {
	if text[0] == '{' {
		return parseJSON(text)
	}
	return parseCSV(string(text), line)
}

// add resolves and counts one observation.
func (rd *Reader) add(o *Observation) error {
	s := rd.set
	n := max(o.Count, 1)
	if n > MaxCount || s.Flows > MaxFlows-n {
		return &diag.Diagnostic{Severity: diag.Error, Pos: o.Pos, Err: errInput,
			Msg: fmt.Sprintf("a flow count of %d (at most %d a record, %d in all)", n, int64(MaxCount), int64(MaxFlows))}
	}
	s.Flows += n
	if rd.head != nil {
		return rd.addBoth(o, n)
	}
	src, err := rd.res.Resolve(o.Src)
	if err != nil {
		s.miss("source: "+err.Error(), n, o.Pos)
		return nil
	}
	dst, err := rd.res.Resolve(o.Dst)
	if err != nil {
		s.miss("destination: "+err.Error(), n, o.Pos)
		return nil
	}
	k := Key{Src: src, Dst: dst, Protocol: o.Protocol, Port: o.Port}
	if _, ok := s.Conns[k]; !ok && len(s.Conns) >= MaxConnections {
		return tooMany(o.Pos)
	}
	s.Conns[k] += n
	sp := s.Seen[k]
	if sp == nil {
		sp = &Span{}
		s.Seen[k] = sp
	}
	sp.add(o.First, o.Last, n)
	return nil
}

// addBoth resolves one observation at both sides of a change and counts
// it under the pair of outcomes.
func (rd *Reader) addBoth(o *Observation, n int64) error {
	k := Both{Base: outcome(rd.res, o), Head: outcome(rd.head, o)}
	m := rd.set.Both[k]
	if m == nil {
		if len(rd.set.Both) >= MaxConnections {
			return tooMany(o.Pos)
		}
		m = &Miss{First: o.Pos}
		rd.set.Both[k] = m
	}
	m.Count += n
	return nil
}

// outcome is the connection res resolves o to, or why it resolves none.
func outcome(res *Resolver, o *Observation) Outcome {
	src, err := res.Resolve(o.Src)
	if err != nil {
		return Outcome{Miss: "source: " + err.Error()}
	}
	dst, err := res.Resolve(o.Dst)
	if err != nil {
		return Outcome{Miss: "destination: " + err.Error()}
	}
	return Outcome{Key: Key{Src: src, Dst: dst, Protocol: o.Protocol, Port: o.Port}}
}

func tooMany(pos diag.Pos) error {
	return &diag.Diagnostic{Severity: diag.Error, Pos: pos, Err: errInput,
		Msg:  fmt.Sprintf("more than %d distinct connections", MaxConnections),
		Hint: "replay a shorter time window, or aggregate the flows first"}
}
