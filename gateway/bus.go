package gateway

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// UnsupportedTargetError is a target the native config cannot describe
// (Modbus/TCP over TLS, for now).
type UnsupportedTargetError struct {
	Target string
	Reason string
}

// Error implements error.
func (e *UnsupportedTargetError) Error() string {
	return fmt.Sprintf("target %s: %s", e.Target, e.Reason)
}

// BusFromTarget returns the bus a target address reaches, named after
// it (e.g. "tcp_127_0_0_1_502", "serial_ttyusb0").
func BusFromTarget(t modbus.Target) (Bus, error) {
	switch t.Scheme {
	case modbus.SchemeTCP, modbus.SchemeRTUOverTCP:
		host, port, err := net.SplitHostPort(t.Address)
		if err != nil {
			return Bus{}, &UnsupportedTargetError{Target: t.String(), Reason: err.Error()}
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return Bus{}, &UnsupportedTargetError{Target: t.String(), Reason: "bad port " + port}
		}
		framing := FramingMBAP
		if t.Scheme == modbus.SchemeRTUOverTCP {
			framing = FramingRTUOverTCP
		}
		return Bus{Name: Slug(t.Scheme + "_" + host + "_" + port), Kind: BusTCP,
			TCP: &TCP{Host: host, Port: p, Framing: framing}}, nil
	case modbus.SchemeRTU:
		l := t.Line
		s := &Serial{Port: t.Address, Baud: orInt(l.Baud, modbus.DefaultBaud), Parity: orDefault(l.Parity, "N"),
			StopBits: orInt(l.StopBits, 1), DataBits: orInt(l.DataBits, 8)}
		return Bus{Name: Slug("serial_" + strings.TrimPrefix(t.Address, "/dev/")), Kind: BusSerial, Serial: s}, nil
	}
	return Bus{}, &UnsupportedTargetError{Target: t.String(), Reason: "scheme " + t.Scheme + " cannot be exported (Telegraf and the native config take tcp, rtuovertcp and rtu)"}
}

// Target returns the address busprobe dials to reach the bus.
func (b Bus) Target() (modbus.Target, error) {
	switch {
	case b.Kind == BusTCP && b.TCP != nil:
		scheme := modbus.SchemeTCP
		if b.TCP.Framing == FramingRTUOverTCP {
			scheme = modbus.SchemeRTUOverTCP
		}
		return modbus.ParseURL(scheme + "://" + net.JoinHostPort(b.TCP.Host, strconv.Itoa(b.TCP.Port)))
	case b.Kind == BusSerial && b.Serial != nil:
		s := b.Serial
		return modbus.ParseURL(fmt.Sprintf("rtu://%s?baud=%d&parity=%s&stop=%d&databits=%d", s.Port,
			s.Baud, orDefault(s.Parity, "N"), orInt(s.StopBits, 1), orInt(s.DataBits, 8)))
	}
	return modbus.Target{}, fmt.Errorf("bus %s: no %s settings", b.Name, b.Kind)
}
