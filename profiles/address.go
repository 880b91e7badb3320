package profiles

import (
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml/ast"
)

// NotationError says why a string is not Modbus register notation.
type NotationError struct {
	Input string
	Msg   string
}

// Error implements error.
func (e *NotationError) Error() string {
	return fmt.Sprintf("%q is not Modbus notation: %s", e.Input, e.Msg)
}

// ParseNotation parses the traditional 1-based Modbus notation in which
// the first digit names the table: 0xxxx coils, 1xxxx discrete inputs,
// 3xxxx input registers, 4xxxx holding registers. The 5-digit form
// reaches register 9999 ("40001" is holding address 0), the 6-digit form
// register 65536 ("400001" is holding address 0, "465536" address 65535).
// It returns the table and the 0-based protocol address.
func ParseNotation(s string) (Table, uint16, error) {
	if len(s) != 5 && len(s) != 6 {
		return TableUnset, 0, &NotationError{s, `want 5 or 6 digits such as "30001" or "400001", or a plain number`}
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return TableUnset, 0, &NotationError{s, `want digits only, such as "30001"; write hex addresses as a number, unquoted`}
		}
	}
	var t Table
	switch s[0] {
	case '0':
		t = TableCoil
	case '1':
		t = TableDiscrete
	case '3':
		t = TableInput
	case '4':
		t = TableHolding
	default:
		return TableUnset, 0, &NotationError{s, "the first digit must name a table: 0 coil, 1 discrete, 3 input, 4 holding"}
	}
	n, _ := strconv.Atoi(s[1:])
	limit := 9999
	if len(s) == 6 {
		limit = 65536
	}
	if n < 1 || n > limit {
		return TableUnset, 0, &NotationError{s, fmt.Sprintf("register number %d out of range 1..%d (the notation is 1-based)", n, limit)}
	}
	return t, uint16(n - 1), nil
}

// FormatNotation writes a table and protocol address in 1-based notation:
// 5 digits up to register 9999, 6 digits above.
func FormatNotation(t Table, address uint16) string {
	prefix := map[Table]string{TableCoil: "0", TableDiscrete: "1", TableInput: "3", TableHolding: "4"}[t]
	n := int(address) + 1
	if n <= 9999 {
		return fmt.Sprintf("%s%04d", prefix, n)
	}
	return fmt.Sprintf("%s%05d", prefix, n)
}

// address reads an address entry: a number (0x hex allowed) shifted by the
// profile's base, or a notation string. It returns the table implied by
// the notation (TableUnset for a number) and the 0-based address.
func (r *reader) address(e entry, base int) (Table, int, bool) {
	if e.val == nil {
		return TableUnset, 0, false
	}
	switch v := e.val.(type) {
	case *ast.IntegerNode:
		n, ok := intOf(v)
		if !ok || n < 0 {
			r.errAt(e.val, e.path, "address %s out of range 0..65535", scalarText(e.val))
			return TableUnset, 0, false
		}
		if n < int64(base) {
			r.errAt(e.val, e.path, "address %d is below 1 but the profile's base is 1 (document numbering)", n)
			return TableUnset, 0, false
		}
		n -= int64(base)
		if n > 65535 {
			r.errAt(e.val, e.path, "address %s out of range (protocol addresses end at 65535)", scalarText(e.val))
			return TableUnset, 0, false
		}
		return TableUnset, int(n), true
	case *ast.StringNode:
		t, a, err := ParseNotation(v.Value)
		if err != nil {
			r.errAt(e.val, e.path, "%s", err.Error())
			return TableUnset, 0, false
		}
		return t, int(a), true
	}
	r.errAt(e.val, e.path, "want an address (number or \"40001\" notation), got %s", describe(e.val))
	return TableUnset, 0, false
}
