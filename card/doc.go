// Package card draws the alert card: the one picture an alert message carries to a post's chat (issue 17).
//
// Render(childmatch.Card) returns a PNG of 1080×1350 pixels (4:5, shown uncropped by messaging apps), at
// most childmatch.CardMaxBytes long so it goes through on a 2G connection. Top to bottom: what the message is
// (MISSING CHILD, UPDATE, FOUND, STAND DOWN; an exercise says so), in English and Hindi, on red, orange or
// green; the face chip large (a placeholder saying there is no photo yet when there is none; grey and
// stamped FOUND on a cancel card); beside it the name, gender and age, languages and whom to call with the
// phone number large; below, clothing, identifying marks, last seen (station, place, district, state, time
// in IST) and the train and coach; in the footer the case id, the receiving post's name ("Copy for"), the
// JJ Act s.74 notice and a QR code of the case page's URL. Labels are in both languages; values are
// printed as given; gender, age and the message type are put in words in both.
//
// Text is shaped with go-text/typesetting (a pure-Go port of HarfBuzz), so Devanagari conjuncts, matras
// and reph take their proper forms, in Noto Sans and Noto Sans Devanagari (Debian's fonts-noto-core, found
// under /usr/share/fonts at the first render or at Check). Glyph outlines are filled with
// golang.org/x/image/vector. Each block of fields takes the largest size at which it fits its box, and
// at the smallest size its longest values are cut line by line and end in "…": text never leaves its box.
// The image is reduced to a 256-colour palette by median cut before PNG encoding (64, then 16, for a card
// that would be over the limit in 256). Facts gives the card's key facts in words for template channels;
// Renderer.Poster puts the card on an A4 PDF page for a notice board.
//
// Render is safe for concurrent use: fonts are parsed once and shared; faces, shaper and rasteriser are
// made per render. Bad input is an EInvalid childmatch error naming the field; missing fonts an EInternal
// one naming the package to install. Render writes nothing to logs.
package card
