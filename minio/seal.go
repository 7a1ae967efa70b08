package minio

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"

	"childmatch"
)

// A post's webhook secrets are sealed in its record (AES-256-GCM, with Config.SealKey), so that neither a
// reader of the bucket nor a backup, which holds the records decrypted, learns them.

const sealedPrefix = "sealed:v1:"

// sealer seals and unseals secrets; a nil one keeps them as given.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		return nil, nil
	}
	block, err := aes.NewCipher(key)
	if err != nil || len(key) != 32 {
		return nil, childmatch.Errorf(childmatch.EInvalid, "the key that seals webhook secrets must be 32 bytes")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (z *sealer) seal(v string) string {
	if z == nil || v == "" || strings.HasPrefix(v, sealedPrefix) {
		return v
	}
	nonce := make([]byte, z.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(z.aead.Seal(nonce, nonce, []byte(v), nil))
}

func (z *sealer) unseal(v string) (string, error) {
	rest, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok {
		return v, nil // written before secrets were sealed, or by a store without a key
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if z == nil || err != nil || len(b) < z.aead.NonceSize() {
		return "", childmatch.Errorf(childmatch.EInternal, "a webhook secret is sealed and this store has no key for it (CHILDMATCH_SEAL_KEY)")
	}
	plain, err := z.aead.Open(nil, b[:z.aead.NonceSize()], b[z.aead.NonceSize():], nil)
	if err != nil {
		return "", childmatch.Errorf(childmatch.EInternal, "a webhook secret does not unseal: CHILDMATCH_SEAL_KEY is not the key it was sealed with")
	}
	return string(plain), nil
}

// sealed returns a copy of the post with its secrets sealed.
func (z *sealer) sealed(p *childmatch.Post) *childmatch.Post {
	c := *p
	c.Webhooks = slices.Clone(p.Webhooks)
	for i := range c.Webhooks {
		c.Webhooks[i].Secret, c.Webhooks[i].Previous = z.seal(c.Webhooks[i].Secret), z.seal(c.Webhooks[i].Previous)
	}
	return &c
}

// unsealed returns a copy of the post with its secrets in clear.
func (z *sealer) unsealed(p *childmatch.Post) (*childmatch.Post, error) {
	c := *p
	c.Webhooks = slices.Clone(p.Webhooks)
	for i := range c.Webhooks {
		var err error
		w := &c.Webhooks[i]
		if w.Secret, err = z.unseal(w.Secret); err != nil {
			return nil, err
		}
		if w.Previous, err = z.unseal(w.Previous); err != nil {
			return nil, err
		}
	}
	return &c, nil
}
