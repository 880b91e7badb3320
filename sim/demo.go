package sim

import "time"

// Names of the demo plant's buses.
const (
	DemoGateway = "demo-gateway"
	DemoRTU     = "demo-rtu"
)

// DemoPlant returns the built-in demo plant, made of real devices from the
// embedded profile library (see DeviceConfig.Profile):
//
//   - demo-gateway: a Modbus/TCP gateway on listen (default 127.0.0.1:0)
//     with an Eastron SDM630 three-phase meter (unit 1), an Advantech
//     ADAM-6024 I/O module (unit 2) and an XY-MD02 SHT20
//     temperature/humidity sensor (unit 3); other units answer exception 0x0B.
//   - demo-rtu: an RTU bus on a pty at 9600 8N1 with an Eastron SDM120
//     (unit 10), a Carlo Gavazzi EM340 (unit 11) and a Schneider ATV320
//     drive (unit 12), turnarounds 5-20 ms.
//
// Every device answers FC43/14 and FC17 with its profile's vendor and
// model, except the sensor: like the small sensors it stands for, it
// ignores FC43 (no reply at all), answers FC17, and is busy 2 % of the time.
// Measurements vary slowly inside their profile ranges; energies count up.
func DemoPlant(listen string) Plant {
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	return Plant{
		Name: "busprobe demo",
		Buses: []Bus{
			{
				Name: DemoGateway, Kind: BusTCP, Listen: listen, Absent: AbsentException, MaxConnections: 8,
				Devices: []DeviceConfig{
					demoDevice(1, "eastron-sdm630", 2*time.Millisecond, time.Millisecond),
					demoDevice(2, "advantech-adam-6024", time.Millisecond, 0),
					demoSensor(3, 3*time.Millisecond, 2*time.Millisecond),
				},
			},
			{
				Name: DemoRTU, Kind: BusRTU, Serve: ServePty, Line: &LineConfig{Baud: 9600, Parity: "N", StopBits: 1},
				Devices: []DeviceConfig{
					demoDevice(10, "eastron-sdm120", 8*time.Millisecond, 4*time.Millisecond),
					demoDevice(11, "carlogavazzi-em340", 5*time.Millisecond, 2*time.Millisecond),
					demoDevice(12, "schneider-atv320", 15*time.Millisecond, 5*time.Millisecond),
				},
			},
		},
	}
}

// demoDevice is a device built from a library profile.
func demoDevice(unit int, profile string, turn, jitter time.Duration) DeviceConfig {
	return DeviceConfig{Unit: unit, Profile: profile, Turnaround: turn, Jitter: jitter, Seed: int64(unit)}
}

// demoSensor is an XY-MD02 sensor that ignores FC43 and answers FC17 only.
func demoSensor(unit int, turn, jitter time.Duration) DeviceConfig {
	d := demoDevice(unit, "sht20-xy-md02", turn, jitter)
	d.BusyRate, d.IgnoreFunctions = 0.02, []int{43}
	d.Identity = &Identity{ServerID: &ServerID{ID: 0x33, Running: true, Data: "XY-MD02 SHT20"}}
	return d
}
