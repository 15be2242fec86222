// Package suggest finds the valid name a mistyped one was probably meant to
// be, so that an error can say what to write instead.
package suggest

import (
	"fmt"
	"strings"
)

// Closest returns the option nearest to word by edit distance (case
// ignored), when it is near enough to be a typo: at most a third of the
// word's length, and at least 1 or 2 edits for short words.
func Closest(word string, options []string) (string, bool) {
	w := strings.ToLower(word)
	limit := max(2, len(w)/3)
	best, bestDist := "", limit+1
	for _, o := range options {
		if d := distance(w, strings.ToLower(o)); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best, best != ""
}

// OneOf is the message for a value outside options: the list, and the
// closest option when one is near.
func OneOf(value string, options []string) string {
	quoted := make([]string, len(options))
	for i, o := range options {
		quoted[i] = fmt.Sprintf("%q", o)
	}
	msg := fmt.Sprintf("%q is not one of %s", value, strings.Join(quoted, ", "))
	if c, ok := Closest(value, options); ok {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	return msg
}

// distance is the Levenshtein distance between a and b, over bytes: names
// here are ASCII identifiers.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
