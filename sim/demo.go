package sim

import "time"

// Names of the demo plant's buses.
const (
	DemoGateway = "demo-gateway"
	DemoRTU     = "demo-rtu"
)

// DemoPlant returns the built-in demo plant:
//
//   - demo-gateway: a Modbus/TCP gateway on listen (default 127.0.0.1:0)
//     with an energy meter (unit 1), an I/O module (unit 2) and a
//     temperature/humidity sensor (unit 3); other units answer exception 0x0B.
//   - demo-rtu: an RTU bus on a pty at 9600 8N1 with the same three kinds of
//     device at units 10, 11 and 12, turnarounds 5-20 ms.
//
// The devices are made-up "busprobe sim" products; their register maps are
// not any real vendor's. Measurements change with time (sine, ramp, counter).
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
					demoMeter(1, 2*time.Millisecond, time.Millisecond),
					demoIO(2, time.Millisecond, 0),
					demoSensor(3, 3*time.Millisecond, 2*time.Millisecond),
				},
			},
			{
				Name: DemoRTU, Kind: BusRTU, Serve: ServePty, Line: &LineConfig{Baud: 9600, Parity: "N", StopBits: 1},
				Devices: []DeviceConfig{
					demoMeter(10, 8*time.Millisecond, 4*time.Millisecond),
					demoIO(11, 5*time.Millisecond, 2*time.Millisecond),
					demoSensor(12, 15*time.Millisecond, 5*time.Millisecond),
				},
			},
		},
	}
}

// demoMeter is a three-phase energy meter: input registers 0-2 voltages
// (0.1 V), 3-5 currents (0.01 A), 6-7 total active power (W, i32), 8
// frequency (0.01 Hz), 10-11 energy (Wh, u32 counter); holding 0 CT ratio,
// 1 PT ratio, 2 averaging seconds, 100-101 serial number (read-only);
// holding 3-99 is a hole.
func demoMeter(unit int, turn, jitter time.Duration) DeviceConfig {
	sine := func(off, amp float64, period time.Duration, words int) *Wave {
		return &Wave{Kind: WaveSine, Offset: off, Amplitude: amp, Period: period, Words: words}
	}
	return DeviceConfig{
		Unit: unit, Name: "energy meter", Turnaround: turn, Jitter: jitter, Seed: int64(unit),
		InputRegisters: []RegBlock{
			{Address: 0, Wave: sine(2300, 40, 60*time.Second, 1)},
			{Address: 1, Wave: sine(2310, 35, 50*time.Second, 1)},
			{Address: 2, Wave: sine(2295, 45, 70*time.Second, 1)},
			{Address: 3, Wave: sine(1250, 300, 30*time.Second, 1)},
			{Address: 4, Wave: sine(1180, 280, 35*time.Second, 1)},
			{Address: 5, Wave: sine(1320, 260, 40*time.Second, 1)},
			{Address: 6, Wave: sine(8600, 2100, 30*time.Second, 2)},
			{Address: 8, Wave: sine(5000, 4, 20*time.Second, 1)},
			{Address: 9, Values: []int{0}},
			{Address: 10, Wave: &Wave{Kind: WaveCounter, Offset: 1234567, Step: 3, Period: time.Second, Words: 2}},
		},
		HoldingRegisters: []RegBlock{
			{Address: 0, Values: []int{100, 1, 15}},
			{Address: 100, Values: []int{0x0001, 0xE240}, ReadOnly: true},
		},
		Identity: &Identity{
			VendorName: "busprobe sim", ProductCode: "BPS-EM3", Revision: "1.4",
			VendorURL: "https://example.invalid/busprobe-sim", ProductName: "busprobe sim energy meter",
			ModelName: "EM3-demo",
			ServerID:  &ServerID{ID: 0x31, Running: true, Data: "busprobe sim EM3"},
		},
	}
}

// demoIO is an I/O module: coils 0-7 (DO), discrete inputs 0-7 (DI, 6-7
// toggle), input registers 0-3 (AI, 0..27648 raw), holding 0-3 (AO), holding
// 100 module status (read-only). Writes to read-only items raise exception 04.
func demoIO(unit int, turn, jitter time.Duration) DeviceConfig {
	return DeviceConfig{
		Unit: unit, Name: "I/O module", Turnaround: turn, Jitter: jitter, Seed: int64(unit),
		ProtectException: 4,
		Coils:            []BitBlock{{Address: 0, Count: 8, Values: []bool{true, false, true}}},
		DiscreteInputs: []BitBlock{
			{Address: 0, Count: 6, Values: []bool{true, true, false, false, true}},
			{Address: 6, Count: 2, Values: []bool{false, true}, Toggle: 2 * time.Second},
		},
		InputRegisters: []RegBlock{
			{Address: 0, Wave: &Wave{Kind: WaveRamp, Amplitude: 27648, Period: 20 * time.Second}},
			{Address: 1, Wave: &Wave{Kind: WaveSine, Offset: 13824, Amplitude: 6000, Period: 15 * time.Second}},
			{Address: 2, Values: []int{5530, 0}},
		},
		HoldingRegisters: []RegBlock{
			{Address: 0, Count: 4, Values: []int{0, 13824}},
			{Address: 100, Values: []int{0x0001}, ReadOnly: true},
		},
		Identity: &Identity{
			VendorName: "busprobe sim", ProductCode: "BPS-IO8", Revision: "2.0",
			ProductName: "busprobe sim I/O module", ModelName: "IO8-demo", UserApplicationName: "line 3 pump skid",
			Extended: map[int]string{0x80: "SN 0042-0815", 0x81: "DI8 DO8 AI4 AO4"},
			ServerID: &ServerID{ID: 0x32, Running: true, Data: "busprobe sim IO8"},
		},
	}
}

// demoSensor is a temperature/humidity sensor: input registers 0
// temperature (0.1 °C, i16), 1 humidity (0.1 %RH), 2 dew point (0.1 °C);
// holding 0 averaging, 1 unit ID mirror (read-only). It reads at most 4
// registers per request, is busy 2 % of the time, answers function 17 but
// ignores 43 (no reply, no exception), as small sensors do.
func demoSensor(unit int, turn, jitter time.Duration) DeviceConfig {
	return DeviceConfig{
		Unit: unit, Name: "temperature/humidity sensor", Turnaround: turn, Jitter: jitter, Seed: int64(unit),
		MaxRegisters: 4, BusyRate: 0.02, IgnoreFunctions: []int{43},
		InputRegisters: []RegBlock{
			{Address: 0, Wave: &Wave{Kind: WaveSine, Offset: 215, Amplitude: 30, Period: 90 * time.Second}},
			{Address: 1, Wave: &Wave{Kind: WaveSine, Offset: 450, Amplitude: 100, Period: 120 * time.Second}},
			{Address: 2, Values: []int{92}},
		},
		HoldingRegisters: []RegBlock{
			{Address: 0, Values: []int{10}},
			{Address: 1, Values: []int{unit}, ReadOnly: true},
		},
		Identity: &Identity{ServerID: &ServerID{ID: 0x33, Running: true, Data: "busprobe sim TH1"}},
	}
}
