// Package calico is a test-only module: it checks every Calico selector
// netpolc emits against Calico's own selector parser and evaluator
// (github.com/projectcalico/calico/libcalico-go/lib/selector), over the
// labels of every kind of endpoint the interpreter evaluates policies on.
// It is a module of its own so that the main module does not depend on
// the Calico monorepo (make crosscheck, part of make test).
package calico
