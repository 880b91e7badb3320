package probes

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSerialPorts builds a fake /dev and /sys: a USB adapter (ttyUSB0 under
// a usb-serial port under an interface under the USB device), an ACM modem
// (ttyACM0 under an interface), a real UART (ttyS0, type 4) and a phantom
// one (ttyS1, type 0).
func TestSerialPorts(t *testing.T) {
	root := t.TempDir()
	mk := func(p, content string) {
		t.Helper()
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"ttyUSB0", "ttyACM0", "ttyS0", "ttyS1"} {
		mk("dev/"+d, "")
	}
	usb := "sys/devices/pci0000:00/usb1/1-2"
	mk(usb+"/idVendor", "0403\n")
	mk(usb+"/idProduct", "6001\n")
	mk(usb+"/manufacturer", "FTDI\n")
	mk(usb+"/product", "USB-RS485 Cable\n")
	mk(usb+"/serial", "FT1234\n")
	mk(usb+"/1-2:1.0/ttyUSB0/uevent", "")
	mk("sys/bus/usb-serial/drivers/ftdi_sio/uevent", "")
	link(filepath.Join(root, "sys/bus/usb-serial/drivers/ftdi_sio"), usb+"/1-2:1.0/ttyUSB0/driver")
	link(filepath.Join(root, usb+"/1-2:1.0/ttyUSB0"), "sys/class/tty/ttyUSB0/device")
	acm := "sys/devices/pci0000:00/usb1/1-3"
	mk(acm+"/idVendor", "2341\n")
	mk(acm+"/idProduct", "0043\n")
	mk(acm+"/1-3:1.0/uevent", "")
	link(filepath.Join(root, acm+"/1-3:1.0"), "sys/class/tty/ttyACM0/device")
	mk("sys/class/tty/ttyS0/type", "4\n")
	mk("sys/class/tty/ttyS1/type", "0\n")
	link("../../ttyUSB0", "dev/serial/by-id/usb-FTDI_USB-RS485_Cable_FT1234-if00-port0")

	ports, err := SerialPorts(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 3 {
		t.Fatalf("ports %+v, want ttyACM0, ttyS0, ttyUSB0", ports)
	}
	byPath := map[string]SerialPort{}
	for _, p := range ports {
		byPath[p.Path] = p
	}
	u := byPath["/dev/ttyUSB0"]
	if u.VendorID != "0403" || u.ProductID != "6001" || u.Product != "USB-RS485 Cable" || u.Serial != "FT1234" || u.Driver != "ftdi_sio" {
		t.Errorf("ttyUSB0 = %+v", u)
	}
	if len(u.ByID) != 1 || u.ByID[0] != "/dev/serial/by-id/usb-FTDI_USB-RS485_Cable_FT1234-if00-port0" {
		t.Errorf("ttyUSB0 by-id %v", u.ByID)
	}
	if a := byPath["/dev/ttyACM0"]; a.VendorID != "2341" || a.ProductID != "0043" {
		t.Errorf("ttyACM0 = %+v", a)
	}
	if _, ok := byPath["/dev/ttyS1"]; ok {
		t.Errorf("ttyS1 has no UART (type 0) and must not be listed")
	}
}
