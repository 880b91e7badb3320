package modbus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// Every client method against a fake device, over TCP and over RTU.
func TestClientMethods(t *testing.T) {
	type transportCase struct {
		name string
		dial func(t *testing.T, dev *fakeDevice) *Client
	}
	transports := []transportCase{
		{"tcp", func(t *testing.T, dev *fakeDevice) *Client {
			c, _ := newTCPTest(t, startMBAPPeer(t, nil, deviceHandler(dev)))
			return c.WithTimeout(time.Second)
		}},
		{"rtu", func(t *testing.T, dev *fakeDevice) *Client {
			c, _, _ := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
				unit, p, err := DecodeRTU(req)
				if err != nil {
					return nil
				}
				return []chunk{{0, EncodeRTU(unit, dev.handle(p))}}
			})
			return c.WithTimeout(time.Second)
		}},
	}
	ctx := context.Background()
	steps := []struct {
		name string
		run  func(c *Client) (any, error)
		want any
	}{
		{"read coils", func(c *Client) (any, error) { return c.ReadCoils(ctx, 1, 0, 4) }, []bool{true, false, false, true}},
		{"read discrete inputs", func(c *Client) (any, error) { return c.ReadDiscreteInputs(ctx, 1, 1, 3) }, []bool{false, false, true}},
		{"read holding", func(c *Client) (any, error) { return c.ReadHoldingRegisters(ctx, 1, 5, 2) }, []uint16{1005, 1006}},
		{"read input", func(c *Client) (any, error) { return c.ReadInputRegisters(ctx, 1, 0, 1) }, []uint16{1000}},
		{"write single coil", func(c *Client) (any, error) {
			if err := c.WriteSingleCoil(ctx, 1, 1, true); err != nil {
				return nil, err
			}
			return c.ReadCoils(ctx, 1, 1, 1)
		}, []bool{true}},
		{"write single register", func(c *Client) (any, error) {
			if err := c.WriteSingleRegister(ctx, 1, 2, 42); err != nil {
				return nil, err
			}
			return c.ReadHoldingRegisters(ctx, 1, 2, 1)
		}, []uint16{42}},
		{"write multiple coils", func(c *Client) (any, error) {
			if err := c.WriteMultipleCoils(ctx, 1, 10, []bool{true, true, false}); err != nil {
				return nil, err
			}
			return c.ReadCoils(ctx, 1, 10, 3)
		}, []bool{true, true, false}},
		{"write multiple registers", func(c *Client) (any, error) {
			if err := c.WriteMultipleRegisters(ctx, 1, 20, []uint16{7, 8}); err != nil {
				return nil, err
			}
			return c.ReadHoldingRegisters(ctx, 1, 20, 2)
		}, []uint16{7, 8}},
		{"read/write multiple", func(c *Client) (any, error) {
			return c.ReadWriteMultipleRegisters(ctx, 1, 30, 2, 31, []uint16{99})
		}, []uint16{1030, 99}},
		{"echo", func(c *Client) (any, error) { return nil, c.Echo(ctx, 1, []byte{0xA5, 0x5A}) }, nil},
		{"report server ID", func(c *Client) (any, error) {
			id, err := c.ReportServerID(ctx, 1)
			return id.Text(), err
		}, "Fake"},
		{"device identification across pages", func(c *Client) (any, error) {
			id, err := c.ReadDeviceIdentification(ctx, 1, DeviceIDRegular)
			if err != nil {
				return nil, err
			}
			if id.Pages < 2 || id.Conformity != 0x83 {
				return nil, fmt.Errorf("pages %d conformity %02X, want several pages and 83", id.Pages, id.Conformity)
			}
			var ids []byte
			for _, o := range id.Objects {
				ids = append(ids, o.ID)
			}
			return ids, nil
		}, []byte{0, 1, 2, 3, 4, 5, 6}},
		{"one device object", func(c *Client) (any, error) {
			o, err := c.ReadDeviceObject(ctx, 1, 4)
			return string(o.Value[:3]), err
		}, "EEE"},
		{"raw request", func(c *Client) (any, error) {
			resp, err := c.Do(ctx, 1, PDU{Function: FuncReadHoldingRegisters, Data: []byte{0, 0, 0, 1}})
			return resp.String(), err
		}, "03 02 03 E8"},
		{"exception from Do", func(c *Client) (any, error) {
			resp, err := c.Do(ctx, 1, PDU{Function: FuncReadHoldingRegisters, Data: []byte{0, 200, 0, 1}})
			var ee *ExceptionError
			if !errors.As(err, &ee) {
				return nil, fmt.Errorf("err = %v, want *ExceptionError", err)
			}
			return resp.String(), nil
		}, "83 02"},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c := tr.dial(t, newFakeDevice())
			for _, st := range steps {
				got, err := st.run(c)
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if fmt.Sprint(got) != fmt.Sprint(st.want) {
					t.Fatalf("%s = %v, want %v", st.name, got, st.want)
				}
			}
		})
	}
}

// A device identification continuation that loops or stalls ends with ErrDeviceIDLoop.
func TestClientDeviceIDLoop(t *testing.T) {
	page := func(more bool, next byte, objs ...DeviceObject) PDU {
		data := []byte{MEITypeReadDeviceID, 1, 0x81, 0, next, byte(len(objs))}
		if more {
			data[3] = 0xFF
		}
		for _, o := range objs {
			data = append(data, o.ID, byte(len(o.Value)))
			data = append(data, o.Value...)
		}
		return PDU{Function: FuncEncapsulatedInterface, Data: data}
	}
	tests := []struct {
		name  string
		reply func(asked byte) PDU
		objs  int
	}{
		{"next points back", func(asked byte) PDU {
			return page(true, 0, DeviceObject{ID: asked, Value: []byte("x")})
		}, 1},
		{"more follows, no objects", func(asked byte) PDU { return page(true, asked+1) }, 0},
		{"cycle of two", func(asked byte) PDU {
			return page(true, 1-asked, DeviceObject{ID: asked, Value: []byte("y")})
		}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			peer := startMBAPPeer(t, nil, func(n int, h MBAPHeader, p PDU, conn net.Conn) {
				conn.Write(EncodeMBAP(h.Transaction, h.Unit, tc.reply(p.Data[2])))
			})
			c, _ := newTCPTest(t, peer)
			id, err := c.ReadDeviceIdentification(context.Background(), 1, DeviceIDBasic)
			if !errors.Is(err, ErrDeviceIDLoop) || len(id.Objects) != tc.objs {
				t.Fatalf("err = %v with %d objects, want ErrDeviceIDLoop with %d", err, len(id.Objects), tc.objs)
			}
			if n := peer.count.Load(); n > 3 {
				t.Fatalf("%d requests, want at most 3", n)
			}
		})
	}
}

// Requests from many goroutines share one transport without mixing replies.
func TestClientConcurrent(t *testing.T) {
	dev := newFakeDevice()
	for _, name := range []string{"tcp", "rtu"} {
		t.Run(name, func(t *testing.T) {
			var c *Client
			if name == "tcp" {
				c, _ = newTCPTest(t, startMBAPPeer(t, nil, deviceHandler(dev)))
			} else {
				c, _, _ = newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
					unit, p, _ := DecodeRTU(req)
					return []chunk{{0, EncodeRTU(unit, dev.handle(p))}}
				})
			}
			c = c.WithTimeout(time.Second)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 10 {
						addr := uint16((g*10 + i) % 60)
						regs, err := c.ReadHoldingRegisters(context.Background(), byte(g+1), addr, 1)
						if err != nil || regs[0] != 1000+addr {
							errs <- fmt.Errorf("goroutine %d read %d = %v, %v", g, addr, regs, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// Dial plugs a custom Line for rtu targets.
func TestDialOpenLineHook(t *testing.T) {
	dev := newFakeDevice()
	line := newMemLine(LineSettings{Baud: 19200, DataBits: 8, Parity: "E", StopBits: 1})
	runDevice(t, line, func(n int, req []byte) []chunk {
		unit, p, _ := DecodeRTU(req)
		return []chunk{{0, EncodeRTU(unit, dev.handle(p))}}
	})
	var opened Target
	c, err := DialURL(context.Background(), "rtu:///dev/simulated?baud=19200&parity=E&timeout=300ms", DialOptions{
		OpenLine: func(ctx context.Context, tg Target) (Line, error) { opened = tg; return line, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if opened.Address != "/dev/simulated" || opened.Line.Parity != "E" || c.Timeout() != 300*time.Millisecond {
		t.Fatalf("opened %+v, timeout %s", opened, c.Timeout())
	}
	regs, err := c.ReadHoldingRegisters(context.Background(), 1, 0, 3)
	if err != nil || !slices.Equal(regs, []uint16{1000, 1001, 1002}) {
		t.Fatalf("read = %v, %v", regs, err)
	}
}
