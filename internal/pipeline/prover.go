package pipeline

import (
	"sync"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/target"
)

// prover proves the targets of one build on a goroutine of its own, in
// target order, and keeps each target's error (its emission's or its
// proof's) at the target's place.
type prover struct {
	res  *compiler.Result
	opts Options
	errs []error
	jobs chan proofJob
	done chan struct{}
	// emitFailed says that an emission failed (fail): the build fails
	// whatever the proofs find.
	emitFailed bool
	closeOnce  sync.Once
}

// proofJob is one target's emitted output to prove.
type proofJob struct {
	i    int
	t    target.Target
	em   *kit.Output
	refs *references
}

// newProver starts the goroutine that proves up to n targets.
func newProver(res *compiler.Result, opts Options, n int) *prover {
	p := &prover{res: res, opts: opts, errs: make([]error, n),
		jobs: make(chan proofJob, n), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for j := range p.jobs {
			p.errs[j.i] = prove(j.t, p.res, j.em, j.refs.ref, j.refs.perAddr, p.opts)
		}
	}()
	return p
}

// prove queues target i's emitted output; its references are evaluated.
func (p *prover) prove(i int, t target.Target, em *kit.Output, refs *references) {
	p.jobs <- proofJob{i, t, em, refs}
}

// fail records that target i could not be emitted.
func (p *prover) fail(i int, err error) {
	p.errs[i] = err
	p.emitFailed = true
}

// close says that every target is queued (or, when the build fails
// before that, that no more will be: the goroutine ends).
func (p *prover) close() { p.closeOnce.Do(func() { close(p.jobs) }) }

// wait waits for every queued proof and returns the targets' errors
// together.
func (p *prover) wait() error {
	p.close()
	<-p.done
	var errs diag.List
	for _, err := range p.errs {
		if err != nil {
			errs = append(errs, diag.Collect(err)...)
		}
	}
	return errs.Errors()
}
