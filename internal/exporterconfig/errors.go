package exporterconfig

import (
	"sort"
	"strings"
)

// FieldError is one problem of a configuration, at its YAML key.
type FieldError struct {
	Key, Message string
}

// ValidationError lists every problem of a configuration, sorted by key
// so that the same configuration always reads the same.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		lines[i] = f.Key + ": " + f.Message
	}
	return strings.Join(lines, "\n")
}

func newValidationError(lines []string) *ValidationError {
	e := &ValidationError{}
	for _, l := range lines {
		key, msg, ok := strings.Cut(l, ": ")
		if !ok {
			key, msg = "", l
		}
		e.Fields = append(e.Fields, FieldError{Key: key, Message: msg})
	}
	sort.SliceStable(e.Fields, func(i, j int) bool { return e.Fields[i].Key < e.Fields[j].Key })
	return e
}
