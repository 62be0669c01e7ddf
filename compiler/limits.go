package compiler

import (
	"fmt"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/ir"
)

// limits are the set's bounds on lists, policies and rules after
// evaluation (what comprehensions and templates expand into), filled in
// from intent.DefaultLimits where the set has none.
func limitsOf(set *intent.Set) intent.Limits {
	l, d := set.Limits, intent.DefaultLimits
	if l.List <= 0 {
		l.List = d.List
	}
	if l.Policies <= 0 {
		l.Policies = d.Policies
	}
	if l.Rules <= 0 {
		l.Rules = d.Rules
	}
	return l
}

// overHint names the override of a limit.
func overHint(key string, limit int) string {
	return fmt.Sprintf("if this is intended, raise the limit: %s=%s=%d (see \"Limits\" in the README)", intent.LimitsEnv, key, 2*limit)
}

// elems iterates the elements of a list value (after defaults). A list
// longer than the limit is an error and is not read: the limit on lists
// as written holds for lists a comprehension computes too.
func (c *compiler) elems(v *node, fn func(i int, v *node)) {
	v, _ = v.Default()
	elems := v.list()
	if len(elems) > c.lim.List {
		c.errorf(v, overHint("list", c.lim.List), "this list has %d elements, over the limit of %d", len(elems), c.lim.List)
		return
	}
	for i, e := range elems {
		fn(i, e)
	}
}

// countPolicy counts one more policy; it reports false, once with an
// error, when the policies after expansion are over the limit.
func (c *compiler) countPolicy(v *node, via ir.Origin) bool {
	c.npolicies++
	if c.npolicies <= c.lim.Policies {
		return true
	}
	if c.npolicies == c.lim.Policies+1 {
		c.errorAt(v, via, overHint("policies", c.lim.Policies),
			"the intents expand into more than %d policies, the limit (this is the first one past it)", c.lim.Policies)
	}
	return false
}

// countRule reports false, once with an error, when the rules after
// expansion are over the limit.
func (c *compiler) countRule(v *node, via ir.Origin) bool {
	if len(c.out.Rules)+c.clusterRules < c.lim.Rules {
		return true
	}
	if !c.rulesOver {
		c.rulesOver = true
		c.errorAt(v, via, overHint("rules", c.lim.Rules),
			"the intents expand into more than %d rules (one per peer), the limit (this is the first one past it)", c.lim.Rules)
	}
	return false
}
