package modbus

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	n81 := LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1}
	tests := []struct {
		in   string
		want Target
		str  string // String() of the result
	}{
		{"tcp://10.0.0.5", Target{Scheme: "tcp", Address: "10.0.0.5:502"}, "tcp://10.0.0.5:502"},
		{"tcp://10.0.0.5:5020?timeout=250ms", Target{Scheme: "tcp", Address: "10.0.0.5:5020", Timeout: 250 * time.Millisecond}, "tcp://10.0.0.5:5020?timeout=250ms"},
		{"TCP://[::1]/", Target{Scheme: "tcp", Address: "[::1]:502"}, "tcp://[::1]:502"},
		{"tcp+tls://plc.example", Target{Scheme: "tcp+tls", Address: "plc.example:802"}, "tcp+tls://plc.example:802"},
		{"rtuovertcp://10.0.0.9:4001", Target{Scheme: "rtuovertcp", Address: "10.0.0.9:4001"}, "rtuovertcp://10.0.0.9:4001"},
		{"rtuovertcp://10.0.0.9:4001?baud=19200&parity=E", Target{Scheme: "rtuovertcp", Address: "10.0.0.9:4001", Line: LineSettings{Baud: 19200, Parity: "E"}}, "rtuovertcp://10.0.0.9:4001?baud=19200&parity=E&stop=1&databits=8"},
		{"rtu:///dev/ttyUSB0", Target{Scheme: "rtu", Address: "/dev/ttyUSB0", Line: n81}, "rtu:///dev/ttyUSB0?baud=9600&parity=N&stop=1&databits=8"},
		{"rtu:///dev/ttyUSB0?baud=19200&parity=even&stop=2&databits=7&timeout=80&echo=on",
			Target{Scheme: "rtu", Address: "/dev/ttyUSB0", Line: LineSettings{Baud: 19200, DataBits: 7, Parity: "E", StopBits: 2}, Timeout: 80 * time.Millisecond, Echo: EchoOn},
			"rtu:///dev/ttyUSB0?baud=19200&parity=E&stop=2&databits=7&echo=on&timeout=80ms"},
		{"rtu://COM3?baud=115200", Target{Scheme: "rtu", Address: "COM3", Line: LineSettings{Baud: 115200, DataBits: 8, Parity: "N", StopBits: 1}}, "rtu://COM3?baud=115200&parity=N&stop=1&databits=8"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseURL(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if s := got.String(); s != tc.str {
				t.Fatalf("String() = %q, want %q", s, tc.str)
			}
			again, err := ParseURL(got.String())
			if err != nil || again.Address != got.Address || again.Timeout != got.Timeout {
				t.Fatalf("round trip: %+v, %v", again, err)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty target"},
		{"10.0.0.5:502", "did you mean tcp://10.0.0.5:502?"},
		{"/dev/ttyUSB0", "did you mean rtu:///dev/ttyUSB0?"},
		{"http://10.0.0.5", `unknown scheme "http"`},
		{"tcp://", "missing host"},
		{"tcp://10.0.0.5:99999", "out of range"},
		{"tcp://10.0.0.5/x", "unexpected path"},
		{"tcp://10.0.0.5?baud=9600", `unknown parameter "baud" for tcp`},
		{"rtuovertcp://10.0.0.9", "needs a port"},
		{"rtu://", "missing serial device"},
		{"rtu://dev/ttyUSB0", "three slashes"},
		{"rtu:///dev/ttyUSB0?baud=fast", `baud "fast"`},
		{"rtu:///dev/ttyUSB0?parity=X", `parity "X"`},
		{"rtu:///dev/ttyUSB0?stop=3", `stop "3"`},
		{"rtu:///dev/ttyUSB0?timeout=-1s", `timeout "-1s"`},
		{"rtu:///dev/ttyUSB0?bauds=9600", `unknown parameter "bauds"`},
		{"rtu:///dev/ttyUSB0?baud=9600&baud=19200", "given 2 times"},
		{"rtu:///dev/ttyUSB0?echo=maybe", `echo "maybe"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseURL(tc.in)
			var ue *URLError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v, want a *URLError saying %q", err, tc.reason)
			}
		})
	}
}
