package channel

import (
	"strings"
	"unicode"
)

// Cut shortens text to at most n units, units(r) being what the provider counts a rune as, ending in
// ellipsis. It cuts at the last space that fits, so a word, and a Devanagari syllable with its matras, is
// never split; a first word longer than n is cut between runes.
func Cut(text string, n int, units func(rune) int, ellipsis string) string {
	if Count(text, units) <= n {
		return text
	}
	budget := n - Count(ellipsis, units)
	if budget < 0 {
		return ""
	}
	end, space, used := 0, -1, 0
	prevSpace := true
	for i, r := range text {
		if used+units(r) > budget {
			break
		}
		if unicode.IsSpace(r) && !prevSpace {
			space = i
		}
		prevSpace = unicode.IsSpace(r)
		used += units(r)
		end = i + len(string(r))
	}
	if space > 0 {
		end = space
	}
	return strings.TrimRightFunc(text[:end], unicode.IsSpace) + ellipsis
}

// Count is text's length in units.
func Count(text string, units func(rune) int) int {
	n := 0
	for _, r := range text {
		n += units(r)
	}
	return n
}

// Rune counts a rune as one: the length of text in characters.
func Rune(rune) int { return 1 }

// UTF16 counts a rune's UTF-16 code units, as Telegram counts a caption's length.
func UTF16(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}
