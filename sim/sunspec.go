package sim

import "time"

// SunSpecInverterDevice returns a simulated three-phase SunSpec inverter at
// the given unit: a register image written by hand from the SunSpec
// Information Model Specification, so that tests of the SunSpec walker do
// not depend on the code they test.
//
// Holding registers (read-only; every other address raises exception 02):
//
//	40000-40001  "SunS" marker (0x5375 0x6E53)
//	40002-40069  common model 1, L = 66: Mn "busprobe", Md "SIM-INV-10K",
//	             Opt "", Vr "1.2.0", SN "SIM0001", DA = unit, Pad
//	40070-40121  inverter model 103 (three phase, integer + SF), L = 50:
//	             3 × 14.50 A (A 43.50 A), 230.1/230.5/229.8 V, 400.0/400.2/399.8 V,
//	             10000 W, 50.01 Hz, 10020 VA, 500 var, PF 99.8 %,
//	             WH from 12345678 Wh rising 3 Wh per second,
//	             DC 13.20 A 780.0 V 10300 W, cabinet 41.2 °C, heat sink 45.5 °C,
//	             transformer and other temperature not implemented,
//	             St 4 (MPPT), StVnd not implemented, no events
//	40122-40127  vendor model 64000, L = 4 (1, 2, 3, 4): no public definition
//	40128-40129  end marker 0xFFFF, L = 0
func SunSpecInverterDevice(unit int) DeviceConfig {
	const na16 = -32768 // 0x8000: int16 and sunssf not implemented
	const naU = 0xFFFF  // uint16 and enum16 not implemented
	head := []int{0x5375, 0x6E53, 1, 66}
	head = append(head, sunspecString("busprobe", 16)...)
	head = append(head, sunspecString("SIM-INV-10K", 16)...)
	head = append(head, sunspecString("", 8)...)
	head = append(head, sunspecString("1.2.0", 8)...)
	head = append(head, sunspecString("SIM0001", 16)...)
	head = append(head, unit, na16) // DA, Pad
	head = append(head,
		103, 50,
		4350, 1450, 1452, 1448, -2, // A, AphA, AphB, AphC, A_SF
		4000, 4002, 3998, 2301, 2305, 2298, -1, // PPVphAB..CA, PhVphA..C, V_SF
		1000, 1, // W, W_SF
		5001, -2, // Hz, Hz_SF
		1002, 1, // VA, VA_SF
		50, 1, // VAr, VAr_SF
		998, -1, // PF, PF_SF
	) // WH (40094-40095) is the counter block below
	tail := []int{
		0,        // WH_SF
		1320, -2, // DCA, DCA_SF
		7800, -1, // DCV, DCV_SF
		1030, 1, // DCW, DCW_SF
		412, 455, na16, na16, -1, // TmpCab, TmpSnk, TmpTrns, TmpOt, Tmp_SF
		4, naU, // St (MPPT), StVnd
		0, 0, 0, 0, // Evt1, Evt2
		0, 0, 0, 0, 0, 0, 0, 0, // EvtVnd1-4
		64000, 4, 1, 2, 3, 4, // vendor model without a public definition
		0xFFFF, 0, // end marker
	}
	wh := &Wave{Kind: WaveCounter, Words: 2, Offset: 12345678, Step: 3, Period: time.Second}
	return DeviceConfig{
		Unit: unit, Name: "SunSpec inverter", Seed: int64(unit),
		HoldingRegisters: []RegBlock{
			{Address: 40000, Values: head, ReadOnly: true},
			{Address: 40094, Wave: wh},
			{Address: 40096, Values: tail, ReadOnly: true},
		},
	}
}

// sunspecString packs s into n registers, two ASCII characters each, high
// byte first, padded with NULs.
func sunspecString(s string, n int) []int {
	out := make([]int, n)
	for i := 0; i < len(s) && i < 2*n; i++ {
		if i%2 == 0 {
			out[i/2] |= int(s[i]) << 8
		} else {
			out[i/2] |= int(s[i])
		}
	}
	return out
}
