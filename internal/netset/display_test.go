package netset

import "testing"

func TestDisplay(t *testing.T) {
	v4 := Set{mustRange(t, "0.0.0.0/0")}
	both := Set{mustRange(t, "0.0.0.0/0"), mustRange(t, "::/0")}
	r := func(first, last string) Range {
		x, ok := ParseName("ip:" + first + "-" + last)
		if !ok {
			t.Fatalf("bad range %s-%s", first, last)
		}
		return x
	}
	for _, c := range []struct {
		set, world Set
		want       string
	}{
		{v4, v4, "world"},
		{Set{r("0.0.0.0", "127.255.255.255"), r("128.0.0.0", "255.255.255.255")}, v4, "world"},
		{both, both, "world"},
		{v4, both, "0.0.0.0/0"},
		{Set{mustRange(t, "203.0.113.0/25")}, v4, "203.0.113.0/25"},
		{Set{r("0.0.0.0", "203.0.112.255"), r("203.0.113.128", "255.255.255.255")}, v4, "0.0.0.0/0 except 203.0.113.0/25"},
		{Set{r("10.0.0.0", "10.0.0.255"), r("10.0.2.0", "10.0.2.255")}, v4, "10.0.0.0/24, 10.0.2.0/24"},
		{Set{r("10.0.0.0", "10.255.255.255")}.Subtract(mustRange(t, "10.1.0.0/16")).Subtract(mustRange(t, "10.9.9.0/24")), v4,
			"10.0.0.0/8 except 10.1.0.0/16, 10.9.9.0/24"},
		{Set{r("10.0.0.3", "10.0.0.200")}, v4, "10.0.0.3-10.0.0.200"}, // 10 prefixes either way
		{Set{mustRange(t, "203.0.113.0/24"), mustRange(t, "2001:db8::/32")}, both, "203.0.113.0/24; 2001:db8::/32"},
	} {
		if got := c.set.Display(c.world); got != c.want {
			t.Errorf("%v in %v: got %q, want %q", c.set, c.world, got, c.want)
		}
	}
}
