package modbus

import "time"

// Direction says which way a tapped frame travelled.
type Direction int

// Frame directions.
const (
	TX Direction = iota // sent by us
	RX                  // received by us
)

// String returns "TX" or "RX".
func (d Direction) String() string {
	if d == TX {
		return "TX"
	}
	return "RX"
}

// TapFrame is one frame (or run of stray bytes) seen on the wire, with the
// time its first byte left or arrived and the time its last byte did.
type TapFrame struct {
	Dir   Direction
	Bytes []byte    // the whole frame as on the wire (RTU with CRC, or MBAP with header)
	Start time.Time // first byte
	End   time.Time // last byte
	Note  string    // what the transport made of it when it is not a plain reply: "echo", "stale transaction 12", "CRC error", "garbage"
}

// Tap receives every frame a transport sends and receives. It is called on
// the transport's goroutine and must not block.
type Tap func(TapFrame)
