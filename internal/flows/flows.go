// Package flows reads observed connections — Cilium Hubble JSON, Calico
// flow logs and a plain CSV — and resolves their ends to the evaluation
// model's endpoints, so that observed traffic can be replayed against
// intents (ARCHITECTURE.md §1). Input streams line by line: memory grows
// with the distinct connections, not with the file.
package flows

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/portset"
)

// Peer is one end of an observed flow as the flow source describes it.
// Every field may be empty; Resolve picks the model endpoint it stands
// for.
type Peer struct {
	Namespace string
	// Pod is the pod's name, or an aggregated name ("web-5f7d8b-*",
	// Calico's name_aggr).
	Pod string
	// Workload is the owning workload's name when the source knows it
	// (Hubble's workloads, the CSV's ns/workload).
	Workload string
	// Labels are the pod's labels, without source prefixes.
	Labels map[string]string
	// IP is the address, when known.
	IP netip.Addr
	// FQDN is a DNS name (CSV fqdn:NAME).
	FQDN string
	// Reserved is a Cilium reserved identity ("world", "host",
	// "remote-node", …) when Hubble names one.
	Reserved string
}

// Observation is one flow record read from an input.
type Observation struct {
	Src, Dst Peer
	Protocol portset.Protocol
	Port     int32
	// Count is how many flows the record stands for (aggregated logs).
	Count int64
	// Pos is where the record is (file:line).
	Pos diag.Pos
	// First and Last are when the record's flows were seen (Hubble's
	// time, Calico's start_time and end_time); zero when the input does
	// not say (CSV).
	First, Last time.Time
}

// Span is when a connection was seen: the earliest and latest times of
// its records, and how many of its flows came without times.
type Span struct {
	First, Last time.Time
	Untimed     int64
}

// add widens the span by one record of n flows.
func (sp *Span) add(first, last time.Time, n int64) {
	if first.IsZero() {
		sp.Untimed += n
		return
	}
	if sp.First.IsZero() || first.Before(sp.First) {
		sp.First = first
	}
	if last.After(sp.Last) {
		sp.Last = last
	}
}

// Merge widens the span by another.
func (sp *Span) Merge(o Span) {
	sp.Untimed += o.Untimed
	if !o.First.IsZero() {
		sp.add(o.First, o.Last, 0)
	}
}

// Key is a connection as the model evaluates it: resolved endpoint
// names ("ns/workload", "ip:ADDR", "fqdn:NAME"), protocol and port.
type Key struct {
	Src, Dst string
	Protocol portset.Protocol
	Port     int32
}

// String renders "src → dst PROTO/PORT".
func (k Key) String() string {
	return fmt.Sprintf("%s → %s %s", k.Src, k.Dst, portset.Port(k.Protocol, k.Port))
}

// Set is the distinct connections of the inputs, with counts, and what
// could not be used.
type Set struct {
	// Flows counts the flow records read (aggregated ones by their count).
	Flows int64
	// Replies counts records of reply traffic, which an allowed
	// connection carries anyway: they are not connections of their own.
	Replies int64
	// Conns are the distinct connections and how many flows each had;
	// Seen when (NewReader only).
	Conns map[Key]int64
	Seen  map[Key]*Span
	// Unresolved are the records whose ends match no endpoint, by reason,
	// with their first position: never dropped silently.
	Unresolved map[string]*Miss
	// Skipped counts records that are not connections netpolc evaluates
	// (ICMP, records without a port), by reason.
	Skipped map[string]int64
	// Both, read by NewCompareReader instead of Conns and Unresolved, are
	// the distinct records as the base and the head of a change resolve
	// them, with counts and first positions.
	Both map[Both]*Miss
}

// Outcome is how one side of a change resolves a record: the connection
// its model evaluates, or (Miss) why there is none.
type Outcome struct {
	Key  Key
	Miss string
}

// Both is a record's outcome at the base and at the head of a change.
type Both struct{ Base, Head Outcome }

// Miss is a group of records that did not resolve.
type Miss struct {
	Count int64
	First diag.Pos
}

func newSet() *Set {
	return &Set{Conns: map[Key]int64{}, Seen: map[Key]*Span{}, Unresolved: map[string]*Miss{}, Skipped: map[string]int64{}}
}

// Keys lists the connections in a stable order.
func (s *Set) Keys() []Key {
	keys := make([]Key, 0, len(s.Conns))
	for k := range s.Conns {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Src, b.Src), cmp.Compare(a.Dst, b.Dst), cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
}

// UnresolvedCount is how many flows did not resolve.
func (s *Set) UnresolvedCount() int64 {
	var n int64
	for _, m := range s.Unresolved {
		n += m.Count
	}
	return n
}

// miss records a record that did not resolve.
func (s *Set) miss(why string, n int64, pos diag.Pos) { addMiss(s.Unresolved, why, n, pos) }

// addMiss counts n flows under why, keeping the first position.
func addMiss(misses map[string]*Miss, why string, n int64, pos diag.Pos) {
	m := misses[why]
	if m == nil {
		m = &Miss{First: pos}
		misses[why] = m
	}
	m.Count += n
}

// describe names a peer for messages.
func (p Peer) describe() string {
	var parts []string
	if p.Namespace != "" {
		parts = append(parts, "namespace "+p.Namespace)
	}
	if p.Workload != "" {
		parts = append(parts, "workload "+p.Workload)
	} else if p.Pod != "" {
		parts = append(parts, "pod "+p.Pod)
	}
	if p.IP.IsValid() {
		parts = append(parts, "IP "+p.IP.String())
	}
	if len(parts) == 0 {
		return "an end with no namespace, name or address"
	}
	return strings.Join(parts, ", ")
}
