package kit

import (
	"unicode"
	"unicode/utf8"
)

// keyCompare orders mapping keys as yaml.v3 sorts the keys of a map of
// strings (go.yaml.in/yaml/v3 v3.0.5, sorter.go, keyList.Less): rune by
// rune, letters before other runes, runs of digits compared as numbers, so
// "w9" comes before "w10". Two distinct keys are never equal.
func keyCompare(a, b []byte) int {
	if string(a) == string(b) {
		return 0
	}
	var less bool
	if ascii(a) && ascii(b) {
		less = keyLess(a, b)
	} else {
		less = keyLess([]rune(string(a)), []rune(string(b)))
	}
	if less {
		return -1
	}
	return 1
}

// ascii reports whether s is all ASCII, so its bytes are its runes.
func ascii(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// keyLess is yaml.v3's order on two keys' runes.
func keyLess[R byte | rune](a, b []R) bool {
	digits := false // the runes before i, all equal, end in a digit
	for i := 0; i < len(a) && i < len(b); i++ {
		ra, rb := rune(a[i]), rune(b[i])
		if ra == rb {
			digits = unicode.IsDigit(ra)
			continue
		}
		la, lb := unicode.IsLetter(ra), unicode.IsLetter(rb)
		switch {
		case la && lb:
			return ra < rb
		case la || lb:
			// A letter goes first, unless it ends a number the other key
			// continues.
			if digits {
				return la
			}
			return lb
		}
		return numberLess(a, b, i)
	}
	return len(a) < len(b)
}

// numberLess compares two keys that first differ at i, neither at a
// letter there: by the numbers their digit runs from i spell (a run that
// follows a non-zero digit of the shared prefix counts from 1, so leading
// zeros are not dropped from it), then by the runs' lengths, then by the
// runes at i.
func numberLess[R byte | rune](a, b []R, i int) bool {
	var na, nb int64
	if a[i] == '0' || b[i] == '0' {
		for j := i - 1; j >= 0 && unicode.IsDigit(rune(a[j])); j-- {
			if a[j] != '0' {
				na, nb = 1, 1
				break
			}
		}
	}
	ea, eb := i, i
	for ; ea < len(a) && unicode.IsDigit(rune(a[ea])); ea++ {
		na = na*10 + int64(rune(a[ea])-'0')
	}
	for ; eb < len(b) && unicode.IsDigit(rune(b[eb])); eb++ {
		nb = nb*10 + int64(rune(b[eb])-'0')
	}
	if na != nb {
		return na < nb
	}
	if ea != eb {
		return ea < eb
	}
	return a[i] < b[i]
}
