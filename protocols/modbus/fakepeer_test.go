package modbus

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeDevice answers requests from a small register and coil space using
// the package's server-side helpers.
type fakeDevice struct {
	mu      sync.Mutex
	regs    [64]uint16
	coils   [64]bool
	objects []DeviceObject
}

func newFakeDevice() *fakeDevice {
	d := &fakeDevice{}
	for i := range d.regs {
		d.regs[i] = uint16(1000 + i)
	}
	for i := range d.coils {
		d.coils[i] = i%3 == 0
	}
	for id := byte(0); id < 7; id++ {
		d.objects = append(d.objects, DeviceObject{ID: id, Value: []byte(strings.Repeat(string('A'+rune(id)), 60))})
	}
	return d
}

// handle returns the reply to p.
func (d *fakeDevice) handle(p PDU) PDU {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := ParseRequest(p)
	if err != nil {
		var ee *ExceptionError
		errors.As(err, &ee)
		return ExceptionPDU(p.Function, ee.Code)
	}
	end := int(r.Address) + int(r.Count)
	inRange := func(a, n int) bool { return a+n <= len(d.regs) }
	switch r.Function {
	case FuncReadCoils, FuncReadDiscreteInputs:
		if !inRange(int(r.Address), int(r.Count)) {
			break
		}
		return BitsResponse(r.Function, d.coils[r.Address:end])
	case FuncReadHoldingRegisters, FuncReadInputRegisters:
		if !inRange(int(r.Address), int(r.Count)) {
			break
		}
		return RegistersResponse(r.Function, d.regs[r.Address:end])
	case FuncWriteSingleCoil, FuncWriteMultipleCoils:
		if !inRange(int(r.Address), len(r.Bits)) {
			break
		}
		copy(d.coils[r.Address:], r.Bits)
		return WriteResponse(r)
	case FuncWriteSingleRegister, FuncWriteMultipleRegisters:
		if !inRange(int(r.Address), len(r.Values)) {
			break
		}
		copy(d.regs[r.Address:], r.Values)
		return WriteResponse(r)
	case FuncReadWriteMultipleRegisters:
		if !inRange(int(r.WriteAddress), len(r.Values)) || !inRange(int(r.Address), int(r.Count)) {
			break
		}
		copy(d.regs[r.WriteAddress:], r.Values)
		return RegistersResponse(r.Function, d.regs[r.Address:end])
	case FuncDiagnostics:
		return EchoResponse(r)
	case FuncReportServerID:
		return ServerIDResponse([]byte{0x42, 0xFF, 'F', 'a', 'k', 'e'})
	case FuncEncapsulatedInterface:
		return DeviceIDResponse(r, 0x83, d.objects)
	}
	return ExceptionPDU(p.Function, ExIllegalDataAddress)
}

// mbapHandler answers the n-th request (counted over all connections) on
// conn; it may write anything, or close conn.
type mbapHandler func(n int, h MBAPHeader, p PDU, conn net.Conn)

// mbapPeer is a scripted Modbus/TCP server on 127.0.0.1.
type mbapPeer struct {
	ln      net.Listener
	accepts atomic.Int32
	count   atomic.Int32
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

// startMBAPPeer listens on 127.0.0.1 (over ln if given, for TLS) and runs handle.
func startMBAPPeer(t *testing.T, ln net.Listener, handle mbapHandler) *mbapPeer {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	p := &mbapPeer{ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for range 100 {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepts.Add(1)
			p.mu.Lock()
			p.conns = append(p.conns, conn)
			p.mu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer conn.Close()
				for range 1000 {
					_, h, pdu, err := ReadMBAP(conn)
					if err != nil {
						return
					}
					handle(int(p.count.Add(1))-1, h, pdu, conn)
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *mbapPeer) addr() string { return p.ln.Addr().String() }

// deviceHandler answers every request from dev.
func deviceHandler(dev *fakeDevice) mbapHandler {
	return func(n int, h MBAPHeader, p PDU, conn net.Conn) {
		conn.Write(EncodeMBAP(h.Transaction, h.Unit, dev.handle(p)))
	}
}

// serveRTUConn answers RTU frames read from conn (RTU over TCP) from dev.
func serveRTUConn(conn net.Conn, dev *fakeDevice) {
	buf := make([]byte, 0, 512)
	tmp := make([]byte, 256)
	for range 1000 {
		n, err := conn.Read(tmp)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return
			}
			return
		}
		buf = append(buf, tmp[:n]...)
		l := RTURequestLength(buf)
		if l <= 0 || len(buf) < l {
			continue
		}
		unit, p, err := DecodeRTU(buf[:l])
		buf = buf[l:]
		if err != nil {
			continue
		}
		conn.Write(EncodeRTU(unit, dev.handle(p)))
	}
}
