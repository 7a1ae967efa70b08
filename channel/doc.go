// Package channel holds what the messaging channels' senders (telegram, whatsapp, sms, email) share:
// pacing under a provider's documented rates (Pacer), one HTTP call to a provider with its answer
// bounded and its failure said without the address or credentials (Call), and the mapping of an HTTP
// answer to the outbox's *childmatch.SendError (HTTPError).
package channel
