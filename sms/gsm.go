package sms

import "strings"

// The GSM 03.38 alphabet an SMS of 160 characters is written in: the basic set counts one, the
// extension table (escaped) two; a text with any other character is sent as Unicode (UCS-2).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExt   = "^{}\\[~]|€\f"
)

// gsm counts a rune in GSM 7-bit septets, 0 for a rune the alphabet lacks.
func gsm(r rune) int {
	switch {
	case strings.ContainsRune(gsmBasic, r):
		return 1
	case strings.ContainsRune(gsmExt, r):
		return 2
	}
	return 0
}

// isGSM reports whether every rune of s is in the GSM alphabet.
func isGSM(s string) bool {
	for _, r := range s {
		if gsm(r) == 0 {
			return false
		}
	}
	return true
}

// ucs2 counts a rune in UCS-2 units, as a Unicode SMS is counted.
func ucs2(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}
