package kit

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/ir"
)

// AllowRule checks what every emitter checks first about an IR rule: a
// known direction and the Allow action (netpolc emits allow rules only;
// unsupported is the target's ErrUnsupported). It returns the direction's
// index and the rule's name in messages ("egress rule"); when ok is false
// the problem is recorded.
func (e *Errors) AllowRule(r ir.Rule, unsupported error) (d int, what string, ok bool) {
	what = Lower(r.Direction) + " rule"
	d, ok = DirIndex(r.Direction)
	switch {
	case !ok:
		e.Fail(r.Origin, "rule", r.Subject, fmt.Errorf("%w direction %q", ErrInvalid, r.Direction))
	case r.Action != ir.Allow && r.Action != "":
		e.Fail(r.Origin, what, r.Subject, Hinted(fmt.Errorf("action %q: %w", r.Action, unsupported), "netpolc emits allow rules only"))
		ok = false
	}
	return d, what, ok
}

// NotIsolated is the error for an allow rule whose subject has no
// isolation in its direction: every target would then isolate the subject
// to emit the rule, denying what the IR did not ask to deny.
func NotIsolated(unsupported error) error {
	return fmt.Errorf("%w: no isolation for this subject and direction in the IR", unsupported)
}

// Isolated is the prelude of every emitter's translation of an IR
// isolation: a known direction, and the target's state for the subject,
// found (or created) by lookup. It returns the direction's index; when ok
// is false the problem is recorded.
func Isolated[S any](e *Errors, iso ir.Isolation, lookup func(ir.Subject) (S, []error)) (s S, d int, ok bool) {
	d, ok = DirIndex(iso.Direction)
	if !ok {
		e.Fail(iso.Origin, "isolation", iso.Subject, fmt.Errorf("%w direction %q", ErrInvalid, iso.Direction))
		return s, d, false
	}
	s, errs := lookup(iso.Subject)
	if len(errs) > 0 {
		e.Fail(iso.Origin, Lower(iso.Direction)+" isolation", iso.Subject, errs...)
		return s, d, false
	}
	return s, d, true
}

// Allowed is the prelude of every emitter's translation of an IR allow
// rule: AllowRule's checks, the target's state for the subject found by
// lookup, and an isolation of the subject in the rule's direction
// (isolated), since no target can allow without isolating. It returns
// the state, the direction's index and the rule's name in messages; when
// ok is false the problem is recorded.
func Allowed[S any](e *Errors, r ir.Rule, unsupported error, lookup func(ir.Subject) (S, []error),
	isolated func(S, int) bool) (s S, d int, what string, ok bool) {
	d, what, ok = e.AllowRule(r, unsupported)
	if !ok {
		return s, d, what, false
	}
	s, errs := lookup(r.Subject)
	switch {
	case len(errs) > 0:
		e.Fail(r.Origin, what, r.Subject, errs...)
	case !isolated(s, d):
		e.Fail(r.Origin, what, r.Subject, NotIsolated(unsupported))
	default:
		return s, d, what, true
	}
	return s, d, what, false
}
