package sunspec

import (
	"fmt"
	"strings"
)

// ModelFileError is a problem with one SunSpec model JSON file. Line and
// Col locate JSON syntax errors (0 when unknown); Path names the place in
// the model, e.g. "group.points[3].type".
type ModelFileError struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
}

// Error formats as "FILE:LINE:COL: PATH: MSG", leaving out what is unknown.
func (e *ModelFileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// NotFoundError means no SunSpec marker "SunS" was found at any base
// address tried. Errs holds, base for base, why each was rejected.
type NotFoundError struct {
	Unit  byte
	Bases []uint16
	Errs  []error // nil where the registers were read but did not say "SunS"
}

// Error formats as `unit 1: no SunSpec marker "SunS" at 40000, 50000 or 0 (…)`.
func (e *NotFoundError) Error() string {
	var at, why []string
	for i, b := range e.Bases {
		at = append(at, fmt.Sprint(b))
		if i < len(e.Errs) && e.Errs[i] != nil {
			why = append(why, fmt.Sprintf("%d: %v", b, e.Errs[i]))
		}
	}
	s := fmt.Sprintf("unit %d: no SunSpec marker \"SunS\" at %s", e.Unit, joinOr(at))
	if len(why) > 0 {
		s += " (" + strings.Join(why, "; ") + ")"
	}
	return s
}

// joinOr joins "a", "a or b", "a, b or c".
func joinOr(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// ChainError is a model chain that cannot be walked: a length that runs
// past the address space, or more models than the walker allows.
type ChainError struct {
	Address uint16 // where the offending model header is
	Msg     string
}

// Error formats as "SunSpec model chain at 40070: MSG".
func (e *ChainError) Error() string {
	return fmt.Sprintf("SunSpec model chain at %d: %s", e.Address, e.Msg)
}

// ReadError is a failed read while walking the chain; it wraps the
// reader's error (e.g. a *modbus.ExceptionError or a timeout).
type ReadError struct {
	Unit    byte
	Address uint16
	Count   uint16
	What    string // e.g. "model 103 data"
	Err     error
}

// Error formats as "unit 1: read WHAT (COUNT registers at ADDRESS): ERR".
func (e *ReadError) Error() string {
	return fmt.Sprintf("unit %d: read %s (%d registers at %d): %v", e.Unit, e.What, e.Count, e.Address, e.Err)
}

// Unwrap returns the reader's error.
func (e *ReadError) Unwrap() error { return e.Err }
