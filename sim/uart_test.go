package sim

import (
	"bytes"
	"testing"

	"github.com/busprobe/busprobe/protocols/modbus"
)

func TestResample(t *testing.T) {
	data := []byte{0x01, 0x03, 0x02, 0x00, 0x0A, 0x38, 0x43}
	ls := func(baud int, parity string, stop int) modbus.LineSettings {
		return modbus.LineSettings{Baud: baud, Parity: parity, StopBits: stop}
	}
	tests := []struct {
		name   string
		tx, rx modbus.LineSettings
		same   bool // the receiver reads the data unchanged
	}{
		{"same 8N1", ls(9600, "N", 1), ls(9600, "N", 1), true},
		{"same 8E1", ls(19200, "E", 1), ls(19200, "E", 1), true},
		{"2 stop bits read with 1", ls(9600, "N", 2), ls(9600, "N", 1), true},
		{"double baud", ls(9600, "N", 1), ls(19200, "N", 1), false},
		{"half baud", ls(9600, "N", 1), ls(4800, "N", 1), false},
		{"even read as odd", ls(9600, "E", 1), ls(9600, "O", 1), false},
		{"none read as even", ls(9600, "N", 1), ls(9600, "E", 1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := resample(data, tc.tx, tc.rx)
			if bytes.Equal(got, data) != tc.same {
				t.Fatalf("resample % X -> % X, same=%v", data, got, tc.same)
			}
			if again := resample(data, tc.tx, tc.rx); !bytes.Equal(got, again) {
				t.Fatal("resample is not deterministic")
			}
		})
	}
	// Every even-parity byte fails an odd-parity check: all arrive as 00.
	if got := resample(data, ls(9600, "E", 1), ls(9600, "O", 1)); !bytes.Equal(got, make([]byte, len(data))) {
		t.Fatalf("even read as odd: % X, want all 00", got)
	}
}
