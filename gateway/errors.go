package gateway

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ValidationError is one problem of a native config, located in its file.
type ValidationError struct {
	File   string // the name given to Parse (usually the path)
	Line   int    // 1-based
	Column int    // 1-based
	Path   string // e.g. "devices[0].points[3].type"; "" for the document
	Msg    string
}

// Error formats as "FILE:LINE:COL: PATH: MSG".
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Column)
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ValidationErrors are all the problems found in one config, by position.
type ValidationErrors []*ValidationError

// Error joins the problems, one a line.
func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems for errors.As.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es ValidationErrors) sort() {
	slices.SortStableFunc(es, func(a, b *ValidationError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
