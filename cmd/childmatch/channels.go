package main

import (
	"fmt"
	"os"
	"strings"

	"childmatch"
	"childmatch/email"
	"childmatch/sms"
	"childmatch/telegram"
	"childmatch/whatsapp"
)

// channelsConfig is the messaging channels' configuration (README: Channels): a channel is on when its
// credential is set; secrets come from the environment or a 0600 file (NAME_FILE).
type channelsConfig struct {
	telegram *telegram.Config
	whatsapp *whatsapp.Config
	sms      *sms.Config
	email    *email.Config
}

func loadChannels() (channelsConfig, error) {
	var cc channelsConfig
	tg, err := secret("CHILDMATCH_TELEGRAM_TOKEN")
	if err != nil {
		return cc, err
	}
	if tg != "" {
		cc.telegram = &telegram.Config{BaseURL: env("CHILDMATCH_TELEGRAM_URL", "https://api.telegram.org"), Token: tg}
	}
	wa, err := secret("CHILDMATCH_WHATSAPP_TOKEN")
	if err != nil {
		return cc, err
	}
	if wa != "" {
		cc.whatsapp = &whatsapp.Config{BaseURL: env("CHILDMATCH_WHATSAPP_URL", "https://graph.facebook.com"),
			Version: env("CHILDMATCH_WHATSAPP_VERSION", "v21.0"), PhoneNumberID: os.Getenv("CHILDMATCH_WHATSAPP_PHONE_ID"), Token: wa,
			Template: os.Getenv("CHILDMATCH_WHATSAPP_TEMPLATE"), Language: env("CHILDMATCH_WHATSAPP_LANGUAGE", "hi"),
			Params: list(env("CHILDMATCH_WHATSAPP_PARAMS", "headline,headline_hi,name,child,last_seen,call,case"))}
	}
	st, err := secret("CHILDMATCH_SMS_TOKEN")
	if err != nil {
		return cc, err
	}
	if st != "" {
		cc.sms = &sms.Config{BaseURL: env("CHILDMATCH_SMS_URL", "https://api.in.exotel.com"), AccountSID: os.Getenv("CHILDMATCH_SMS_SID"),
			APIKey: os.Getenv("CHILDMATCH_SMS_KEY"), APIToken: st, SenderID: os.Getenv("CHILDMATCH_SMS_SENDER"),
			EntityID: os.Getenv("CHILDMATCH_SMS_ENTITY_ID"), TemplateID: os.Getenv("CHILDMATCH_SMS_TEMPLATE_ID"),
			Template: os.Getenv("CHILDMATCH_SMS_TEMPLATE"), Vars: list(env("CHILDMATCH_SMS_VARS", "phone,link"))}
	}
	if addr := os.Getenv("CHILDMATCH_SMTP_ADDR"); addr != "" {
		pass, err := secret("CHILDMATCH_SMTP_PASSWORD")
		if err != nil {
			return cc, err
		}
		plain, err := boolEnv("CHILDMATCH_SMTP_PLAIN", false)
		if err != nil {
			return cc, err
		}
		cc.email = &email.Config{Addr: addr, From: os.Getenv("CHILDMATCH_SMTP_FROM"), Username: os.Getenv("CHILDMATCH_SMTP_USER"),
			Password: pass, Plain: plain, Hostname: os.Getenv("CHILDMATCH_SMTP_HOSTNAME")}
	}
	return cc, nil
}

// list splits a comma-separated list, dropping empty entries.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// senders builds the senders of the channels that are on; the SMS's link to the card needs the service's
// link signer and shortener. A bad setting names its variable's field.
func (cc channelsConfig) senders(links childmatch.Linker, short childmatch.Shortener) ([]childmatch.Sender, error) {
	var out []childmatch.Sender
	add := func(s childmatch.Sender, err error, name string) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, s)
		return nil
	}
	if cc.telegram != nil {
		s, err := telegram.New(*cc.telegram)
		if err := add(s, err, "CHILDMATCH_TELEGRAM_*"); err != nil {
			return nil, err
		}
	}
	if cc.whatsapp != nil {
		s, err := whatsapp.New(*cc.whatsapp)
		if err := add(s, err, "CHILDMATCH_WHATSAPP_*"); err != nil {
			return nil, err
		}
	}
	if cc.sms != nil {
		if short == nil {
			return nil, fmt.Errorf("CHILDMATCH_SMS_*: an SMS links to its card by a short link, which needs CHILDMATCH_PUBLIC_URL")
		}
		c := *cc.sms
		c.Links, c.Shortener = links, short
		s, err := sms.New(c)
		if err := add(s, err, "CHILDMATCH_SMS_*"); err != nil {
			return nil, err
		}
	}
	if cc.email != nil {
		s, err := email.New(*cc.email)
		if err := add(s, err, "CHILDMATCH_SMTP_*"); err != nil {
			return nil, err
		}
	}
	return out, nil
}
