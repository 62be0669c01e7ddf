package portset

// The range-list algorithms below take sorted, merged, disjoint lists and
// return the same; they never modify their inputs.

// union merges two range lists.
func union(a, b []Range) []Range {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	return unionInto(make([]Range, 0, len(a)+len(b)), a, b)
}

// unionInto appends the union of two range lists to out (empty).
func unionInto(out, a, b []Range) []Range {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var next Range
		if j >= len(b) || (i < len(a) && a[i].First <= b[j].First) {
			next, i = a[i], i+1
		} else {
			next, j = b[j], j+1
		}
		if n := len(out); n > 0 && int(next.First) <= int(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, next.Last)
			continue
		}
		out = append(out, next)
	}
	return out
}

// intersect keeps the ports in both lists.
func intersect(a, b []Range) []Range {
	var out []Range
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].First, b[j].First), min(a[i].Last, b[j].Last)
		if lo <= hi {
			out = append(out, Range{lo, hi})
		}
		if a[i].Last < b[j].Last {
			i++
		} else {
			j++
		}
	}
	return out
}

// subtract keeps the ports of a that are not in b.
func subtract(a, b []Range) []Range {
	if len(a) == 0 || len(b) == 0 {
		return a
	}
	var out []Range
	j := 0
	for _, r := range a {
		first := int(r.First)
		for j < len(b) && b[j].Last < r.First {
			j++
		}
		for k := j; k < len(b) && int(b[k].First) <= int(r.Last); k++ {
			if int(b[k].First) > first {
				out = append(out, Range{uint16(first), b[k].First - 1})
			}
			first = int(b[k].Last) + 1
		}
		if first <= int(r.Last) {
			out = append(out, Range{uint16(first), r.Last})
		}
	}
	return out
}

// covered reports whether every range of a lies inside one range of b
// (both merged, so a range of a cannot straddle two ranges of b).
func covered(a, b []Range) bool {
	j := 0
	for _, r := range a {
		for j < len(b) && b[j].Last < r.First {
			j++
		}
		if j == len(b) || b[j].First > r.First || b[j].Last < r.Last {
			return false
		}
	}
	return true
}
