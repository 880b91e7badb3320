package profiles

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ValidationError is one problem in a profile file, with its position.
type ValidationError struct {
	File   string // the name given to Load
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Path   string // where in the document, e.g. "points[3].type" ("" for the document)
	Msg    string // what is wrong
}

// Error formats the error as "file:line:column: path: message".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ValidationErrors is every problem found in one or more profile files,
// sorted by file, line and column.
type ValidationErrors []*ValidationError

// Error joins the errors, one per line.
func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors for errors.Is and errors.As.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Sort orders the errors by file, line and column (stable).
func (es ValidationErrors) Sort() {
	slices.SortStableFunc(es, func(a, b *ValidationError) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column))
	})
}

// DecodeError says why raw registers or bits do not decode as a point.
type DecodeError struct {
	Point string // the point's name
	Msg   string
}

// Error implements error.
func (e *DecodeError) Error() string { return "decode " + e.Point + ": " + e.Msg }

// EncodeError says why a value cannot be encoded for a point.
type EncodeError struct {
	Point string // the point's name
	Msg   string
}

// Error implements error.
func (e *EncodeError) Error() string { return "encode " + e.Point + ": " + e.Msg }

// NotFoundError is returned by Library.Get for an unknown profile name.
type NotFoundError struct {
	Name string // the name asked for
}

// Error implements error.
func (e *NotFoundError) Error() string { return fmt.Sprintf("profile %q not found", e.Name) }
