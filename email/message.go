package email

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"childmatch"
)

// compose writes the message: headers (the subject in both languages, RFC 2047), then multipart/mixed of
// multipart/alternative (text/plain and text/html, quoted-printable UTF-8) and the card as an attachment
// (base64). The Message-ID is the delivery's, the same on every attempt, so a mailbox can drop a repeat.
func compose(from, to *mail.Address, d *childmatch.Delivery, out *childmatch.Outgoing, hostname string, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	mixed := multipart.NewWriter(&buf)
	header := []struct{ k, v string }{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", subject(out.Facts, d))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + d.ID.String() + "@" + hostname + ">"},
		{"Content-Language", "en, hi"},
		{"MIME-Version", "1.0"},
		{"Content-Type", `multipart/mixed; boundary="` + mixed.Boundary() + `"`},
	}
	var head bytes.Buffer
	for _, h := range header {
		fmt.Fprintf(&head, "%s: %s\r\n", h.k, h.v)
	}
	head.WriteString("\r\n")

	var alt bytes.Buffer
	aw := multipart.NewWriter(&alt)
	text := strings.TrimSpace(out.Text)
	if out.Link != "" {
		text += "\n\n" + out.Link
	}
	link := ""
	if out.Link != "" {
		link = fmt.Sprintf(`<p><a href="%s">%s</a></p>`, html.EscapeString(out.Link), html.EscapeString(out.Link))
	}
	page := `<!doctype html><html lang="hi"><body><p style="white-space:pre-line">` + html.EscapeString(strings.TrimSpace(out.Text)) +
		`</p>` + link + `<p>card.png · कार्ड संलग्न है</p></body></html>`
	for _, p := range []struct{ typ, body string }{{"text/plain", text}, {"text/html", page}} {
		w, err := aw.CreatePart(textproto.MIMEHeader{"Content-Type": {p.typ + "; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		qp.Write([]byte(strings.ReplaceAll(p.body, "\n", "\r\n")))
		qp.Close()
	}
	aw.Close()
	w, err := mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/alternative; boundary="` + aw.Boundary() + `"`}})
	if err != nil {
		return nil, err
	}
	w.Write(alt.Bytes())
	if len(out.Card) > 0 {
		w, err := mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {`image/png; name="card.png"`},
			"Content-Disposition": {`attachment; filename="card.png"`}, "Content-Transfer-Encoding": {"base64"}})
		if err != nil {
			return nil, err
		}
		b64 := base64.StdEncoding.EncodeToString(out.Card)
		for len(b64) > 76 {
			fmt.Fprintf(w, "%s\r\n", b64[:76])
			b64 = b64[76:]
		}
		fmt.Fprintf(w, "%s\r\n", b64)
	}
	mixed.Close()
	return append(head.Bytes(), buf.Bytes()...), nil
}

// subject is the message's headline in English and Hindi and the case: "MISSING CHILD · लापता बच्चा · case ...".
func subject(f childmatch.Facts, d *childmatch.Delivery) string {
	parts := []string{}
	for _, k := range []string{childmatch.FactHeadline, childmatch.FactHeadlineHindi} {
		if v := f[k]; v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "childmatch alert · अलर्ट")
	}
	return strings.Join(parts, " · ") + " · case " + d.Case.String()
}
