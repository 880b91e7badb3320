package sim

import (
	"testing"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Endpoint URLs must parse back into the bus's line settings, 7-bit ones too.
func TestRTUURLRoundTrip(t *testing.T) {
	for _, l := range []modbus.LineSettings{
		{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1},
		{Baud: 19200, DataBits: 8, Parity: "E", StopBits: 1},
		{Baud: 4800, DataBits: 7, Parity: "E", StopBits: 2},
	} {
		raw := rtuURL("/dev/pts/9", l)
		target, err := modbus.ParseURL(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if target.Address != "/dev/pts/9" || target.Line != l {
			t.Errorf("%s parsed as %+v, want %+v", raw, target.Line, l)
		}
	}
}
