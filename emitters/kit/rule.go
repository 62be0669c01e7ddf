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
