// Package service is the path of a photo and the review workflow: cases created, photos analysed and
// stored and matched (photo.go says what an upload writes and in what order), searches by photo,
// candidates proposed for review and decided, cases closed and erased, and the statistics and audit
// trail admins read. It is plain Go over the root's interfaces: the store, the face pipeline and the
// index (through follow.Follower) are given to it. Every method checks the actor against the root's
// access table and records what it did in the audit trail before answering.
package service
