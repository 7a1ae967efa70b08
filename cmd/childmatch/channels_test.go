package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/auth"
	"childmatch/inmem"
)

// TestChannelsFromEnvironment: each channel is on when its credential is set, from the environment or a
// 0600 file (a file others may read is refused), and builds into its sender; a bad setting names it.
func TestChannelsFromEnvironment(t *testing.T) {
	if cc, err := loadChannels(); err != nil || cc.telegram != nil || cc.whatsapp != nil || cc.sms != nil || cc.email != nil {
		t.Fatalf("with nothing set: %+v, %v", cc, err)
	}
	dir := t.TempDir()
	token := filepath.Join(dir, "telegram-token")
	os.WriteFile(token, []byte("123456:ABC-DEF\n"), 0o644)
	t.Setenv("CHILDMATCH_TELEGRAM_TOKEN_FILE", token)
	if _, err := loadChannels(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a token file others may read: %v", err)
	}
	os.Chmod(token, 0o600)
	for k, v := range map[string]string{
		"CHILDMATCH_WHATSAPP_TOKEN": "EAAG", "CHILDMATCH_WHATSAPP_PHONE_ID": "106540352242922", "CHILDMATCH_WHATSAPP_TEMPLATE": "missing_child_alert",
		"CHILDMATCH_SMS_TOKEN": "tok", "CHILDMATCH_SMS_SID": "acct", "CHILDMATCH_SMS_KEY": "key", "CHILDMATCH_SMS_SENDER": "CHLDMT",
		"CHILDMATCH_SMS_ENTITY_ID": "1201", "CHILDMATCH_SMS_TEMPLATE_ID": "1207", "CHILDMATCH_SMS_TEMPLATE": "लापता बच्चा, कॉल {#var#} {#url#}",
		"CHILDMATCH_SMTP_ADDR": "smtp.example.in:587", "CHILDMATCH_SMTP_FROM": "alerts@childmatch.example.in",
	} {
		t.Setenv(k, v)
	}
	cc, err := loadChannels()
	if err != nil {
		t.Fatal(err)
	}
	if cc.telegram.Token != "123456:ABC-DEF" || cc.whatsapp.Language != "hi" || cc.sms.BaseURL != "https://api.in.exotel.com" || cc.email.Plain {
		t.Fatalf("read %+v %+v %+v %+v", cc.telegram, cc.whatsapp, cc.sms, cc.email)
	}
	short, _ := auth.NewShortLinks(&inmem.ShortLinks{}, "https://cm.example.in", nil)
	senders, err := cc.senders(auth.NewLinks([]byte("k"), time.Now), short)
	if err != nil {
		t.Fatal(err)
	}
	var got []childmatch.Channel
	for _, s := range senders {
		got = append(got, s.Channel())
	}
	if !slices.Equal(got, []childmatch.Channel{childmatch.ChanTelegram, childmatch.ChanWhatsApp, childmatch.ChanSMS, childmatch.ChanEmail}) {
		t.Fatalf("senders of %v", got)
	}
	t.Setenv("CHILDMATCH_SMS_VARS", "phone")
	cc, _ = loadChannels()
	if _, err := cc.senders(nil, short); err == nil || !strings.Contains(err.Error(), "CHILDMATCH_SMS_") || !strings.Contains(err.Error(), "sms.template") {
		t.Fatalf("a template with two variables and one fact: %v", err)
	}
	t.Setenv("CHILDMATCH_SMS_VARS", "")
	cc, _ = loadChannels()
	if _, err := cc.senders(nil, nil); err == nil || !strings.Contains(err.Error(), "CHILDMATCH_PUBLIC_URL") {
		t.Fatalf("an SMS sender without a public address for its short links: %v", err)
	}
}
